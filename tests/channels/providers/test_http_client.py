"""The one outbound HTTP client (recaudo.lib.http) and how providers map its failures."""

import httpx
import pytest

from recaudo.channels.base import ProviderError
from recaudo.channels.http_errors import (
    error_for_response,
    raise_for_provider,
    transport_errors,
)
from recaudo.lib import http
from tests.channels.providers.twilio.loopback import twilio_server


def test_timeouts_are_explicit() -> None:
    timeout = http.shared_client().timeout

    assert (timeout.connect, timeout.read) == (5.0, 15.0)


def test_the_client_is_shared_within_a_process() -> None:
    assert http.shared_client() is http.shared_client()


def test_a_closed_shared_client_is_replaced() -> None:
    http.close_shared_client()

    assert not http.shared_client().is_closed


def test_post_form_reaches_the_server() -> None:
    with twilio_server() as server:
        response = http.post_form(f"{server.url}/things.json", data={"Name": "María"})

    assert response.status_code == 201
    assert server.requests[0].form() == {"Name": ["María"]}
    assert server.requests[0].headers["user-agent"].startswith("Recaudo/")


@pytest.mark.parametrize(
    ("status", "permanent", "code"),
    [
        (400, True, "rejected"),
        (404, True, "rejected"),
        (401, False, "configuration"),
        (408, False, "unavailable"),
        (429, False, "throttled"),
        (500, False, "unavailable"),
        (503, False, "unavailable"),
    ],
)
def test_status_codes_map_to_retries(status: int, permanent: bool, code: str) -> None:
    response = httpx.Response(status, text='{"error": "x"}')

    error = error_for_response(response, provider="acme")

    assert (error.permanent, error.code) == (permanent, code)
    assert str(error).startswith(f"acme: HTTP {status}")


def test_success_raises_nothing() -> None:
    raise_for_provider(httpx.Response(200, json={}), provider="acme")


def test_network_failures_are_transient() -> None:
    with pytest.raises(ProviderError) as raised, transport_errors(provider="acme"):
        http.get_json("http://127.0.0.1:9/", timeout=1.0)

    assert (raised.value.permanent, raised.value.code) == (False, "network")
