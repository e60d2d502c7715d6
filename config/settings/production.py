"""Production: the same settings as base, hardened. Secrets and hosts come from the environment only."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE  # noqa: F405
# __Host- cookies: the browser accepts them only over HTTPS, for this exact host and path "/", so a sibling
# subdomain or a plain-HTTP page cannot plant or overwrite the session or CSRF cookie.
SESSION_COOKIE_NAME = env("SESSION_COOKIE_NAME", default="__Host-sessionid")
CSRF_COOKIE_NAME = env("CSRF_COOKIE_NAME", default="__Host-csrftoken")
LANGUAGE_COOKIE_SECURE = True
