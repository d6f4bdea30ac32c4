"""Google service-account access tokens, cached until they expire; used by this package (RBM)
and by ``providers/fcm``.

google-auth signs the JWT and reads the token endpoint's answer; the HTTP call itself goes
through the project's one client (``recaudo.lib.http``) so it has the same explicit timeouts.
The service-account file's ``token_uri`` decides where the token comes from (tests point it
at a loopback server).
"""

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.oauth2 import service_account

from recaudo.channels.base import ProviderError
from recaudo.channels.http_errors import CODE_CONFIGURATION, CODE_NETWORK, CODE_UNAVAILABLE
from recaudo.lib import http

_lock = threading.Lock()
_credentials: dict[tuple[str, str], service_account.Credentials] = {}


class _Response(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):
    """google-auth's transport interface on top of ``recaudo.lib.http``'s shared client."""

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> transport.Response:
        try:
            response = http.shared_client().request(
                method,
                url,
                content=body,
                headers=dict(headers or {}),
                timeout=http.DEFAULT_TIMEOUT if timeout is None else timeout,
            )
        except httpx.TransportError as error:
            raise google_exceptions.TransportError(str(error)) from error
        return _Response(response)


def _load_credentials(service_account_file: str, scope: str) -> service_account.Credentials:
    key = (service_account_file, scope)
    credentials = _credentials.get(key)
    if credentials is None:
        try:
            credentials = service_account.Credentials.from_service_account_file(
                service_account_file, scopes=[scope]
            )
        except (OSError, ValueError) as error:
            raise ProviderError(
                f"cannot read the service account file: {type(error).__name__}",
                permanent=False,
                code=CODE_CONFIGURATION,
            ) from error
        _credentials[key] = credentials
    return credentials


def access_token(service_account_file: str, scope: str, *, provider: str) -> str:
    """A valid OAuth access token for ``scope``; fetched only when the cached one expired."""
    with _lock:
        credentials = _load_credentials(service_account_file, scope)
        if not credentials.valid:
            try:
                credentials.refresh(HttpxRequest())
            except google_exceptions.TransportError as error:
                raise ProviderError(
                    f"{provider}: token endpoint unreachable: {error}",
                    permanent=False,
                    code=CODE_NETWORK,
                ) from error
            except google_exceptions.RefreshError as error:
                retryable = bool(getattr(error, "retryable", False))
                raise ProviderError(
                    f"{provider}: could not get an access token: {error}",
                    permanent=False,
                    code=CODE_UNAVAILABLE if retryable else CODE_CONFIGURATION,
                ) from error
        return str(credentials.token)


def forget_tokens() -> None:
    """Drop every cached token (tests; a rotated key)."""
    with _lock:
        _credentials.clear()


def missing_settings(config: Mapping[str, str], variables: Mapping[str, str]) -> list[str]:
    """The environment variables (``variables``: settings key -> variable) left unset, and the
    service-account file's when it names no file."""
    missing = [variable for key, variable in variables.items() if not config.get(key)]
    account_file = config.get("service_account_file")
    if account_file and not Path(account_file).is_file():
        missing.append(variables["service_account_file"])
    return missing
