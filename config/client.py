"""The client's address, for rate limits and lock-outs: one definition for the whole site."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_HOPS`` proxies of our own, the address the outermost of them saw.

    Each trusted proxy appends the address it received from to ``X-Forwarded-For``, so the client is the entry
    that many places from the right; anything further left was written by the client and is ignored, so a
    spoofed header cannot reset a limit.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < hops:
        return remote
    candidate = chain[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
