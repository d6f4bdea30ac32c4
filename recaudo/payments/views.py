"""The sandbox's hosted checkout, the page customers return to, and the providers' webhooks.

Views only parse input, call an action or the webhook processing, and render.
"""

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.debts.promises import money_for
from recaudo.payments.base import WebhookRequest
from recaudo.payments.models import Checkout, CheckoutStatus
from recaudo.payments.providers.sandbox import (
    APPROVED_CARD,
    DECLINED_CARD,
    SIGNATURE_HEADER,
    SandboxProvider,
    notice_body,
    sign,
)
from recaudo.payments.webhooks import process_payment_webhook
from recaudo.selfservice.links import self_service_link


class CardForm(forms.Form):
    number = forms.CharField(label=_("Card number"), max_length=23)
    expiry = forms.CharField(label=_("Expiry (MM/YY)"), max_length=5)
    cvc = forms.CharField(label=_("Security code"), max_length=4)

    def clean_number(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["number"] if ch.isdigit())
        if digits not in (APPROVED_CARD, DECLINED_CARD):
            raise forms.ValidationError(_("Use one of the test cards shown below."))
        return digits


def _amount_text(checkout: Checkout) -> str:
    """The amount as the customer reads money (their language and country)."""
    return money_for(checkout.account, checkout.amount)


def _return_path(checkout: Checkout) -> str:
    return reverse("payments_return", kwargs={"public_id": checkout.public_id})


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest, public_id: str) -> HttpResponse:
    """``/pay/sandbox/<public_id>/``: the sandbox's fake card form."""
    checkout = get_object_or_404(
        Checkout.objects.select_related("creditor", "account__creditor", "account__customer"),
        public_id=public_id,
        provider=SandboxProvider.kind,
    )
    if checkout.status != CheckoutStatus.OPEN:
        return redirect(_return_path(checkout))
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approved = form.cleaned_data["number"] == APPROVED_CARD
        body = notice_body(checkout, approved=approved, at=timezone.now())
        hook = reverse("payments_webhook", kwargs={"kind": SandboxProvider.kind})
        # The same processing a real provider's webhook goes through.
        process_payment_webhook(
            SandboxProvider.kind,
            WebhookRequest(
                method="POST",
                url=settings.RECAUDO_PUBLIC_URL.rstrip("/") + hook,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
                body=body,
            ),
        )
        return redirect(_return_path(checkout))
    context = {
        "checkout": checkout,
        "amount": _amount_text(checkout),
        "form": form,
        "approved_card": APPROVED_CARD,
        "declined_card": DECLINED_CARD,
    }
    return render(request, "payments/sandbox_checkout.html", context)


def _self_service_url(checkout: Checkout) -> str:
    """The customer's self-service page."""
    return self_service_link(checkout.account.customer_id)


@require_http_methods(["GET"])
def checkout_return(request: HttpRequest, public_id: str) -> HttpResponse:
    """``/pay/return/<public_id>/``: where every provider sends the customer back."""
    checkout = get_object_or_404(
        Checkout.objects.select_related("creditor", "account__creditor", "account__customer"),
        public_id=public_id,
    )
    if checkout.status == CheckoutStatus.PAID:
        state = "paid"
    elif checkout.status == CheckoutStatus.OPEN and not request.GET.get("cancelled"):
        state = "pending"  # back before the provider's webhook: it is on its way
    elif checkout.status == CheckoutStatus.OPEN:
        state = "not_completed"
    else:
        state = "failed"
    context = {
        "checkout": checkout,
        "amount": _amount_text(checkout),
        "state": state,
        "self_service_url": _self_service_url(checkout),
        "retry_url": checkout.url if checkout.status == CheckoutStatus.OPEN else "",
    }
    response = render(request, "payments/checkout_return.html", context)
    if state == "pending":
        response["Refresh"] = "5"
    return response


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, kind: str) -> HttpResponse:
    """``/payments/hooks/<kind>/``: a payment provider's signed notification."""
    if not kind.isidentifier():
        raise Http404
    webhook_request = WebhookRequest(
        method="POST",
        # Providers sign the public URL they call, not the one behind a proxy.
        url=settings.RECAUDO_PUBLIC_URL.rstrip("/") + request.get_full_path(),
        headers=dict(request.headers),
        body=request.body,
        query=request.GET.dict(),
    )
    result = process_payment_webhook(kind, webhook_request)
    return HttpResponse(result.body, status=result.status, content_type="text/plain")
