"""The one outbound HTTP client: pooled connections and explicit timeouts, never a bare request.

Every call to another system goes through here, so a slow or dead peer costs at most the
timeouts below and never hangs a worker. Errors are not interpreted here: callers turn an
``httpx.Response`` or an ``httpx.TransportError`` into their own errors (for channel providers,
``recaudo.channels.http_errors``).
"""

import os
import threading
from collections.abc import Mapping
from typing import Any

import httpx

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 15.0
DEFAULT_TIMEOUT = httpx.Timeout(
    connect=CONNECT_TIMEOUT_SECONDS,
    read=READ_TIMEOUT_SECONDS,
    write=READ_TIMEOUT_SECONDS,
    pool=CONNECT_TIMEOUT_SECONDS,
)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
USER_AGENT = "Recaudo/0.1 (+https://github.com/recaudo/recaudo)"

TimeoutValue = float | httpx.Timeout | None

_lock = threading.Lock()
_shared: dict[int, httpx.Client] = {}  # one client per process: sockets must not cross a fork


def new_client(
    *, timeout: httpx.Timeout = DEFAULT_TIMEOUT, headers: Mapping[str, str] | None = None
) -> httpx.Client:
    """A fresh client with the project's timeouts; close it when done (or use ``with``)."""
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    return httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS, headers=all_headers)


def shared_client() -> httpx.Client:
    """The process-wide client, created on first use; reuse it to keep connections alive."""
    pid = os.getpid()
    client = _shared.get(pid)
    if client is None or client.is_closed:
        with _lock:
            client = _shared.get(pid)
            if client is None or client.is_closed:
                _shared.clear()  # clients inherited from a parent process are never reused
                client = new_client()
                _shared[pid] = client
    return client


def close_shared_client() -> None:
    with _lock:
        for client in _shared.values():
            client.close()
        _shared.clear()


def _timeout(timeout: TimeoutValue) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS))


def request(
    method: str,
    url: str,
    *,
    json: Any = None,
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: TimeoutValue = None,
) -> httpx.Response:
    """Send one request through the shared client. Raises ``httpx.TransportError`` (a subclass
    of ``httpx.HTTPError``) when the peer cannot be reached or is too slow; never raises for an
    HTTP status: look at ``response.status_code``."""
    return shared_client().request(
        method,
        url,
        json=json,
        data=data,
        params=params,
        headers=dict(headers or {}),
        auth=auth,
        timeout=_timeout(timeout),
    )


def post_json(
    url: str,
    *,
    json: Any,
    headers: Mapping[str, str] | None = None,
    timeout: TimeoutValue = None,
) -> httpx.Response:
    return request("POST", url, json=json, headers=headers, timeout=timeout)


def post_form(
    url: str,
    *,
    data: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: TimeoutValue = None,
) -> httpx.Response:
    return request("POST", url, data=data, headers=headers, auth=auth, timeout=timeout)


def get_json(
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: TimeoutValue = None,
) -> httpx.Response:
    return request("GET", url, params=params, headers=headers, timeout=timeout)


def is_transient_status(status_code: int) -> bool:
    """Whether trying again later may succeed: a timeout (408), throttling (429) and server
    errors (5xx)."""
    return status_code in (408, 429) or status_code >= 500


def response_json(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when the body is empty or not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
