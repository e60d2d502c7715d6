import pytest
from django.test import RequestFactory

from config.client import client_ip


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy of ours: the header is the client's own words
        (
            1,
            "6.6.6.6, 1.2.3.4",
            "1.2.3.4",
        ),  # our proxy appended the real address; the client's guess is ignored
        (1, "", "10.0.0.9"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (1, "not-an-ip", "10.0.0.9"),
    ],
)
def test_the_client_address_comes_only_from_the_trusted_hops(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_does_not_reset_a_rate_limit(client, settings):
    """/verify/ allows 60 look-ups an hour per client address. Behind one proxy of ours, a client that writes a
    new ``X-Forwarded-For`` entry on every request is still counted by the address the proxy appended."""
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = "10.0.0.2"
    for n in range(60):
        response = client.get(
            "/verify/",
            {"code": "ABCD-EFGH-JKMN"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"6.6.{n}.6, 1.2.3.4",
        )
        assert response.status_code != 429
    spoofed = client.get(
        "/verify/", {"code": "ABCD-EFGH-JKMN"}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4"
    )
    assert spoofed.status_code == 429
    other = client.get(
        "/verify/", {"code": "ABCD-EFGH-JKMN"}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="5.6.7.8"
    )
    assert other.status_code != 429


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_header_is_ignored_entirely(client, settings):
    settings.TRUSTED_PROXY_HOPS = 0
    for n in range(60):
        client.get(
            "/verify/", {"code": "ABCD-EFGH-JKMN"}, REMOTE_ADDR="1.2.3.4", HTTP_X_FORWARDED_FOR=f"6.6.{n}.6"
        )
    response = client.get(
        "/verify/", {"code": "ABCD-EFGH-JKMN"}, REMOTE_ADDR="1.2.3.4", HTTP_X_FORWARDED_FOR="7.7.7.7"
    )
    assert response.status_code == 429
