from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from recaudo.channels.base import WebhookRequest
from recaudo.channels.webhooks import process_webhook


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, kind: str) -> HttpResponse:
    """``/hooks/<kind>/``: a provider's callback (statuses, inbound messages, challenges)."""
    form_encoded = request.content_type == "application/x-www-form-urlencoded"
    body = request.body
    webhook_request = WebhookRequest(
        method=request.method or "POST",
        # Providers sign the public URL they call, not the one behind a proxy.
        url=settings.RECAUDO_PUBLIC_URL.rstrip("/") + request.get_full_path(),
        headers=dict(request.headers),
        body=body,
        query=request.GET.dict(),
        form=request.POST.dict() if form_encoded else {},
    )
    result = process_webhook(kind, webhook_request)
    return HttpResponse(result.body, status=result.status, content_type=result.content_type)
