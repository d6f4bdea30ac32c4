"""FCM HTTP v1 errors (``error.details[].errorCode``) mapped to retry decisions."""

from typing import Any

import httpx

from recaudo.channels.base import ProviderError
from recaudo.channels.http_errors import (
    CODE_CONFIGURATION,
    CODE_INVALID_ADDRESS,
    CODE_REJECTED,
    CODE_THROTTLED,
    CODE_UNAVAILABLE,
    error_for_response,
)
from recaudo.lib import http

PROVIDER = "fcm"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"

# FCM error code -> (permanent, ProviderError code).
FCM_ERRORS: dict[str, tuple[bool, str]] = {
    "UNREGISTERED": (True, CODE_INVALID_ADDRESS),  # the app was uninstalled, the token expired
    "INVALID_ARGUMENT": (True, CODE_REJECTED),
    # Our side: a project that is not the app's (every token would say so: never blame them),
    # APNs or web push credentials, the service account's rights. Retried until fixed.
    "SENDER_ID_MISMATCH": (False, CODE_CONFIGURATION),
    "THIRD_PARTY_AUTH_ERROR": (False, CODE_CONFIGURATION),
    "PERMISSION_DENIED": (False, CODE_CONFIGURATION),
    "UNAUTHENTICATED": (False, CODE_CONFIGURATION),
    "QUOTA_EXCEEDED": (False, CODE_THROTTLED),
    "UNAVAILABLE": (False, CODE_UNAVAILABLE),
    "INTERNAL": (False, CODE_UNAVAILABLE),
}


def fcm_error_code(error: dict[str, Any]) -> str:
    """The FcmError detail's code, else the RPC status (``NOT_FOUND``, ``INVALID_ARGUMENT``)."""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR_TYPE:
            return str(detail.get("errorCode", ""))
    return str(error.get("status", ""))


def error_for_fcm_response(response: httpx.Response) -> ProviderError:
    data = http.response_json(response)
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = fcm_error_code(error)
    detail = f"{code}: {error.get('message', '')}".strip(": ")
    known = FCM_ERRORS.get(code)
    if known is None:  # by HTTP status: 401/403 are our credentials, retried
        return error_for_response(response, provider=PROVIDER, detail=detail)
    permanent, provider_code = known
    if code == "INVALID_ARGUMENT" and "registration token" in str(error.get("message", "")):
        provider_code = CODE_INVALID_ADDRESS  # a malformed device token, not a bad message
    return ProviderError(
        f"{PROVIDER}: HTTP {response.status_code}: {detail}",
        permanent=permanent,
        code=provider_code,
    )
