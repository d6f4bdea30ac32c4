"""Graph API error codes mapped to retry decisions; other failures follow the HTTP status.

Codes follow docs/channels.md: ``invalid_address`` (the sender marks the contact point
invalid), ``outside_window``, ``rejected``, ``configuration`` (our token or account: retried
until the operator fixes it), ``throttled``, ``unavailable``, ``network``.
"""

from typing import Any

import httpx

from recaudo.channels.base import ProviderError
from recaudo.channels.http_errors import (
    CODE_CONFIGURATION,
    CODE_INVALID_ADDRESS,
    CODE_REJECTED,
    CODE_THROTTLED,
    error_for_response,
)
from recaudo.lib import http

PROVIDER = "whatsapp_cloud"

CODE_OUTSIDE_WINDOW = "outside_window"

# Graph error code -> (permanent, ProviderError code).
GRAPH_ERRORS: dict[int, tuple[bool, str]] = {
    100: (True, CODE_REJECTED),  # invalid parameter
    131026: (True, CODE_INVALID_ADDRESS),  # undeliverable: not on WhatsApp, old app, ...
    131047: (True, CODE_OUTSIDE_WINDOW),  # re-engagement: more than 24 h since last reply
    132000: (True, CODE_REJECTED),  # template parameters do not match
    132001: (True, CODE_REJECTED),  # template does not exist in that language
    130429: (False, CODE_THROTTLED),  # throughput limit reached
    131056: (False, CODE_THROTTLED),  # too many messages to the same number
    80007: (False, CODE_THROTTLED),  # the business account's rate limit
    0: (False, CODE_CONFIGURATION),  # authentication exception
    10: (False, CODE_CONFIGURATION),  # permission denied
    190: (False, CODE_CONFIGURATION),  # access token expired or revoked
    200: (False, CODE_CONFIGURATION),  # permission not granted to the app
    131031: (False, CODE_CONFIGURATION),  # business account locked
    133010: (False, CODE_CONFIGURATION),  # phone number not registered on the Cloud API
}


def graph_error(data: Any) -> dict[str, Any]:
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def describe(error: dict[str, Any]) -> str:
    """``"131026 Message undeliverable (details)"``: Meta's code first, then its words."""
    error_data = error.get("error_data")
    details = error_data.get("details", "") if isinstance(error_data, dict) else ""
    text = str(error.get("title") or error.get("message") or "")
    parts = [
        str(error.get("code", "")),
        text,
        f"({details})" if details and details != text else "",
    ]
    return " ".join(part for part in parts if part)


def meaning(code: Any) -> tuple[bool, str] | None:
    """(permanent, ProviderError code) for a Graph error code Recaudo knows, else None."""
    return GRAPH_ERRORS.get(code) if isinstance(code, int) else None


def status_error(error: dict[str, Any]) -> tuple[bool, str]:
    """A failed status's ``permanent`` (only when the address is to blame: it marks the contact
    point invalid) and its text, ``"<ProviderError code>: <Meta's code and words>"``."""
    known = meaning(error.get("code"))
    code = known[1] if known else ""
    text = describe(error)
    return code == CODE_INVALID_ADDRESS, f"{code}: {text}" if code else text


def error_for_graph_response(response: httpx.Response) -> ProviderError:
    error = graph_error(http.response_json(response))
    known = meaning(error.get("code"))
    if known is None:  # by HTTP status: 401/403 are our credentials, retried
        return error_for_response(response, provider=PROVIDER, detail=describe(error))
    permanent, provider_code = known
    return ProviderError(
        f"{PROVIDER}: HTTP {response.status_code}: {describe(error)}",
        permanent=permanent,
        code=provider_code,
    )
