"""The Twilio SDK's HTTP layer on Recaudo's one HTTP client (explicit timeouts, pooled).

``api_base`` (settings.TWILIO["api_base"], for tests and benchmarks only) sends every request
that the SDK addresses to ``https://<product>.twilio.com`` to that base instead, keeping the
path: ``http://127.0.0.1:8765`` receives ``POST /2010-04-01/Accounts/AC…/Messages.json``.
"""

import logging
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from twilio.http import HttpClient
from twilio.http.response import Response

from recaudo.lib import http

logger = logging.getLogger(__name__)


def rebase_url(url: str, api_base: str) -> str:
    """``url`` with its scheme and host replaced by ``api_base``'s (whose path, if any, prefixes)."""
    if not api_base:
        return url
    base = urlsplit(api_base)
    parts = urlsplit(url)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


class TwilioHttpxClient(HttpClient):
    def __init__(self, *, api_base: str = "") -> None:
        super().__init__(logger, False, None)
        self.api_base = api_base

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Raises ``httpx.TransportError`` when Twilio cannot be reached; HTTP errors come
        back as responses and the SDK turns them into ``TwilioRestException``."""
        headers = dict(headers or {})
        as_json = headers.get("Content-Type", "").endswith("json")
        response = http.shared_client().request(
            method.upper(),
            rebase_url(uri, self.api_base),
            params=_query(params),
            json=data if as_json else None,
            data=None if as_json else data,
            headers=headers,
            auth=auth,
            timeout=http.DEFAULT_TIMEOUT if timeout is None else timeout,
            follow_redirects=allow_redirects,
        )
        return Response(response.status_code, response.text, response.headers)


def _query(params: dict[str, object] | None) -> httpx.QueryParams | None:
    if not params:
        return None
    items: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        items.extend((name, str(each)) for each in values if each is not None)
    return httpx.QueryParams(urlencode(items))
