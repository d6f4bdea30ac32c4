"""``Authorization: Bearer <key>``: the key's creditor is the only data a request can reach."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from recaudo.api.keys import find_active_key, mark_used
from recaudo.api.models import ApiKey
from recaudo.debts.models import Creditor


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        api_key = find_active_key(token)
        if api_key is not None:
            mark_used(api_key)
        return api_key


def api_key_of(request: HttpRequest) -> ApiKey:
    api_key = request.auth  # type: ignore[attr-defined]
    assert isinstance(api_key, ApiKey)
    return api_key


def creditor_of(request: HttpRequest) -> Creditor:
    return api_key_of(request).creditor
