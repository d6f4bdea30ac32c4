"""How an HTTP provider's failures map to retries: the one place that decides transient or permanent.

- The peer could not be reached, or was too slow (``httpx.TransportError``): transient.
- 408, 429 and 5xx: transient (try again later, with backoff).
- 401 and 403: our credentials or account are wrong (``configuration``): transient, so nothing
  is lost while the operator fixes them, and never blamed on the customer's address.
- Any other 4xx: permanent (the request itself is wrong: bad address, rejected template, ...),
  unless the provider knows better and passes its own ``code``/``permanent`` decision.

Usage in a provider::

    with transport_errors(provider="whatsapp_cloud"):
        response = http.post_json(url, json=body, headers=headers)
    raise_for_provider(response, provider="whatsapp_cloud")
"""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from recaudo.channels.base import ProviderError
from recaudo.lib import http

MAX_DETAIL_CHARS = 300
CREDENTIAL_STATUSES = (401, 403)

# ProviderError codes shared by providers; the sender may act on them (mark the contact point
# invalid, record an opt-out). Providers may add their own.
CODE_INVALID_ADDRESS = "invalid_address"
CODE_OPTED_OUT = "opted_out"
CODE_REJECTED = "rejected"
CODE_THROTTLED = "throttled"
CODE_UNAVAILABLE = "unavailable"
CODE_NETWORK = "network"
# Our credentials or account are wrong: retried (never permanent) until the operator fixes them.
CODE_CONFIGURATION = "configuration"


def code_for_status(status_code: int) -> str:
    if status_code == 429:
        return CODE_THROTTLED
    if status_code in CREDENTIAL_STATUSES:
        return CODE_CONFIGURATION
    if http.is_transient_status(status_code):
        return CODE_UNAVAILABLE
    return CODE_REJECTED


def error_for_response(
    response: httpx.Response, *, provider: str, code: str = "", detail: str = ""
) -> ProviderError:
    """The ProviderError an unsuccessful response means. ``detail`` defaults to the start of
    the body (providers' error bodies name the problem; they never echo our secrets)."""
    status_code = response.status_code
    text = detail or response.text[:MAX_DETAIL_CHARS]
    return ProviderError(
        f"{provider}: HTTP {status_code}: {text}".strip(),
        permanent=not (http.is_transient_status(status_code) or status_code in CREDENTIAL_STATUSES),
        code=code or code_for_status(status_code),
    )


def raise_for_provider(response: httpx.Response, *, provider: str) -> None:
    """Raise the ProviderError that a non-2xx response means; do nothing on success."""
    if response.is_success:
        return
    raise error_for_response(response, provider=provider)


def error_for_transport(error: httpx.TransportError, *, provider: str) -> ProviderError:
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "unreachable"
    return ProviderError(
        f"{provider}: {kind}: {type(error).__name__}: {error}", permanent=False, code=CODE_NETWORK
    )


@contextmanager
def transport_errors(*, provider: str) -> Iterator[None]:
    """Turn network failures inside the block into transient ProviderErrors."""
    try:
        yield
    except httpx.TransportError as error:
        raise error_for_transport(error, provider=provider) from error
