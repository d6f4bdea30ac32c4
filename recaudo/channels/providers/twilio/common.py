"""What Twilio's messaging and voice providers share: settings, the SDK client, error codes,
webhook signatures and form parsing."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext
from twilio.base.exceptions import TwilioException
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.rest import Client

from recaudo.channels import http_errors
from recaudo.channels.base import ProviderError, WebhookRequest
from recaudo.channels.providers.twilio.http_client import TwilioHttpxClient

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"

# settings.TWILIO key -> the environment variable that sets it (for the system check).
ENVIRONMENT_NAMES = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "sms_from": "TWILIO_SMS_FROM",
    "whatsapp_from": "TWILIO_WHATSAPP_FROM",
    "voice_from": "TWILIO_VOICE_FROM",
    "messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
    "api_base": "TWILIO_API_BASE",
}

# Twilio error codes (https://www.twilio.com/docs/api/errors) that retrying cannot fix, with the
# ProviderError code the sender acts on. Codes not listed are transient when Twilio answered
# 429 or 5xx, permanent "rejected" otherwise.
PERMANENT_ERROR_CODES: dict[int, str] = {
    21211: http_errors.CODE_INVALID_ADDRESS,  # invalid 'To' number
    21214: http_errors.CODE_INVALID_ADDRESS,  # 'To' number cannot be reached (voice)
    21217: http_errors.CODE_INVALID_ADDRESS,  # 'To' number does not appear to be valid (voice)
    21407: http_errors.CODE_INVALID_ADDRESS,  # number not supported by this service
    21612: http_errors.CODE_INVALID_ADDRESS,  # 'To' not reachable via SMS
    21614: http_errors.CODE_INVALID_ADDRESS,  # 'To' is not a mobile number
    30005: http_errors.CODE_INVALID_ADDRESS,  # unknown destination handset
    30006: http_errors.CODE_INVALID_ADDRESS,  # landline or unreachable carrier
    63003: http_errors.CODE_INVALID_ADDRESS,  # WhatsApp: the number is not on WhatsApp
    63024: http_errors.CODE_INVALID_ADDRESS,  # WhatsApp: invalid message recipient
    21610: http_errors.CODE_OPTED_OUT,  # the recipient replied STOP
    30004: http_errors.CODE_OPTED_OUT,  # blocked by the recipient (or the carrier)
    21408: http_errors.CODE_REJECTED,  # sending to this region is not enabled
    21617: http_errors.CODE_REJECTED,  # body longer than 1600 characters
    30007: http_errors.CODE_REJECTED,  # carrier filtering
    63016: "outside_window",  # WhatsApp free text outside the 24-hour window: send a template
    63027: http_errors.CODE_REJECTED,  # WhatsApp template does not exist for this language
    63028: http_errors.CODE_REJECTED,  # WhatsApp template parameters do not match
    63032: http_errors.CODE_REJECTED,  # WhatsApp: Meta does not deliver to this user
}
# Twilio codes that are about our account, not the message: retrying after the operator fixes
# the configuration works, and the customer's address is not to blame.
CONFIGURATION_ERROR_CODES = {20003, 20005, 20008, 21212, 21606, 21659, 63001, 63002, 63007}
THROTTLING_ERROR_CODES = {20429, 63018}
TRANSIENT_ERROR_CODES = {30001, 30003, 30008, 30017, 63049}

# Environments are looked up by the SDK only when the mapping is empty; Recaudo's providers
# read settings, never os.environ (TWILIO_EDGE, TWILIO_REGION, ...).
_NO_ENVIRONMENT = {"RECAUDO_TWILIO_ENVIRONMENT": "settings only"}

_clients: dict[tuple[str, str, str], Client] = {}
_clients_lock = threading.Lock()


def twilio_settings() -> dict[str, str]:
    configured: dict[str, str] = getattr(settings, "TWILIO", {}) or {}
    return {key: str(configured.get(key) or "") for key in ENVIRONMENT_NAMES}


def public_url(kind: str) -> str:
    """The webhook address Twilio calls for ``kind`` (also the signed URL)."""
    return f"{str(settings.RECAUDO_PUBLIC_URL).rstrip('/')}/hooks/{kind}/"


def client() -> Client:
    """The SDK client for the configured account, over Recaudo's HTTP client (cached)."""
    config = twilio_settings()
    key = (config["account_sid"], config["auth_token"], config["api_base"])
    found = _clients.get(key)
    if found is None:
        with _clients_lock:
            found = _clients.get(key)
            if found is None:
                found = Client(
                    config["account_sid"],
                    config["auth_token"],
                    http_client=TwilioHttpxClient(api_base=config["api_base"]),
                    environment=_NO_ENVIRONMENT,
                )
                _clients[key] = found
    return found


def missing(*keys: str) -> list[str]:
    config = twilio_settings()
    return [ENVIRONMENT_NAMES[key] for key in keys if not config[key]]


def require_credentials(*, provider: str) -> None:
    """Refuse to call Twilio without an account (the SDK would call ``Accounts/None``)."""
    names = missing("account_sid", "auth_token")
    if names:
        raise ProviderError(
            gettext("%(provider)s is not configured: set %(variables)s.")
            % {"provider": provider, "variables": ", ".join(names)},
            permanent=False,
            code=http_errors.CODE_CONFIGURATION,
        )


# Sending ------------------------------------------------------------------------------------


def error_code_meaning(code: str) -> tuple[bool, str]:
    """Whether a Twilio error code (as text, from a status callback) is permanent, and its
    ProviderError code."""
    try:
        number = int(code)
    except ValueError:
        return False, ""
    if number in PERMANENT_ERROR_CODES:
        return True, PERMANENT_ERROR_CODES[number]
    if number in CONFIGURATION_ERROR_CODES:
        return False, http_errors.CODE_CONFIGURATION
    return False, ""


def status_error(error_code: str, twilio_status: str) -> tuple[bool, str]:
    """Whether a failure reported by a status callback blames the address, and its error text:
    ``"<ProviderError code>: Twilio error <n>"`` (the code before the colon is machine-readable:
    invalid_address, opted_out, rejected, outside_window, ...), or Twilio's status when it gave
    no code. A StatusUpdate's ``permanent`` marks the contact point invalid, so only
    ``invalid_address`` sets it; the other final failures say so in the text."""
    if not error_code:
        return False, twilio_status
    _, code = error_code_meaning(error_code)
    text = f"Twilio error {error_code}"
    return code == http_errors.CODE_INVALID_ADDRESS, f"{code}: {text}" if code else text


def provider_error(error: TwilioException, *, provider: str) -> ProviderError:
    """The ProviderError a failed Twilio API call means."""
    status = int(getattr(error, "status", 0) or 0)
    twilio_code = int(getattr(error, "code", 0) or 0)
    first_argument = error.args[0] if error.args else ""
    detail = str(getattr(error, "msg", "") or getattr(error, "detail", "") or first_argument)
    if status == 0:  # raised by the SDK before any request, e.g. "Credentials are required"
        permanent, code = False, http_errors.CODE_CONFIGURATION
    elif twilio_code in PERMANENT_ERROR_CODES:
        permanent, code = True, PERMANENT_ERROR_CODES[twilio_code]
    elif twilio_code in CONFIGURATION_ERROR_CODES or status in (401, 403):
        permanent, code = False, http_errors.CODE_CONFIGURATION
    elif twilio_code in THROTTLING_ERROR_CODES or status == 429:
        permanent, code = False, http_errors.CODE_THROTTLED
    elif twilio_code in TRANSIENT_ERROR_CODES or status == 408 or status >= 500:
        permanent, code = False, http_errors.CODE_UNAVAILABLE
    else:
        permanent, code = True, http_errors.CODE_REJECTED
    message = gettext(
        "%(provider)s refused the message (HTTP %(status)s, Twilio error %(code)s): %(detail)s"
    ) % {
        "provider": provider,
        "status": status or "-",
        "code": twilio_code or "-",
        "detail": detail,
    }
    return ProviderError(message, permanent=permanent, code=code)


@contextmanager
def twilio_errors(*, provider: str) -> Iterator[None]:
    """Turn the SDK's and the network's failures inside the block into ProviderErrors."""
    try:
        yield
    except httpx.TransportError as error:
        raise http_errors.error_for_transport(error, provider=provider) from error
    except TwilioException as error:
        raise provider_error(error, provider=provider) from error


# Webhooks -----------------------------------------------------------------------------------


def form(request: WebhookRequest) -> dict[str, str]:
    """The form fields Twilio posted (from the parsed form, or the raw urlencoded body)."""
    if request.form:
        return dict(request.form)
    if not request.body:
        return {}
    text = request.body.decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))


def signed_urls(request: WebhookRequest, kind: str) -> list[str]:
    """The URLs Twilio may have signed: the public hook URL with the request's query string
    (behind a proxy the request's own URL differs), then the URL the request arrived at."""
    query = urlsplit(request.url).query
    if not query and request.query:
        query = "&".join(f"{name}={value}" for name, value in request.query.items())
    public = public_url(kind) + (f"?{query}" if query else "")
    return list(dict.fromkeys(url for url in (public, request.url) if url))


def verify_signature(request: WebhookRequest, kind: str) -> bool:
    token = twilio_settings()["auth_token"]
    signature = request.header(SIGNATURE_HEADER)
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    params = form(request)
    algorithm = get_signature_algorithm(request.header(SIGNATURE_SETTINGS_HEADER))
    return any(
        bool(validator.validate(url, params, signature, algorithm=algorithm))
        for url in signed_urls(request, kind)
    )


def received_at(fields: dict[str, Any], now: datetime | None = None) -> datetime:
    """When Twilio says the event happened (``Timestamp`` on call callbacks), else now."""
    raw = str(fields.get("Timestamp") or "")
    if raw:
        try:
            return parsedate_to_datetime(raw).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return now or datetime.now(UTC)
