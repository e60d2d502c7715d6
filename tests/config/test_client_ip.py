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
