"""The API for creditors' systems, mounted at ``/api/v1/``; documentation at ``/api/v1/docs``."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from recaudo.api.auth import ApiKeyAuth
from recaudo.api.endpoints import accounts, payments, portfolio
from recaudo.api.errors import install_error_handlers


class LocalSwagger(Swagger):
    """Swagger UI from the files vendored in this app's static folder: no CDN, works offline."""

    template = "recaudo/api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        swagger_settings = self.settings | {"url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": swagger_settings, "api": api}
        return render(request, self.template, context)


api = NinjaAPI(
    title="Recaudo API",
    version="1",
    description=(
        "For creditors' systems: upsert customers, contact points, accounts and instalments; "
        "record payments; read an account's state and timeline. Authenticate with "
        "`Authorization: Bearer <key>` (create a key with `recaudo api-key create`). "
        "Errors come in the request's language (Accept-Language: es or en; Spanish by default)."
    ),
    auth=ApiKeyAuth(),
    docs=LocalSwagger(),
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("/", portfolio.router)
api.add_router("/", payments.router)
api.add_router("/", accounts.router)
api.add_router("/", "recaudo.api.endpoints.policy.router")
