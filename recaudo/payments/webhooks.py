"""Payment provider callbacks: verify, parse, deduplicate, apply. Independent of Django's request.

The sandbox checkout page submits through ``process_payment_webhook`` too, so the demo walks the
same path as Stripe and Mercado Pago. Each notice is applied once: its event id goes into
``PaymentWebhookEvent`` in the same transaction as the payment it records, so a provider's retry
or a replay changes nothing. A bad signature (403) or a notice for a checkout we do not know
(logged, answered 200 so the provider does not retry forever) writes nothing; a notice
that cannot be recorded (a zero amount) is refused with 400. A refund or chargeback of a paid
checkout, or a payment in another currency, opens a task for an agent.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy

from recaudo.payments.actions import close_checkout, confirm_checkout
from recaudo.payments.base import NoticeStatus, PaymentNotice, PaymentProviderError, WebhookRequest
from recaudo.payments.models import Checkout, CheckoutStatus, PaymentWebhookEvent
from recaudo.payments.registry import UnknownPaymentProvider, get_provider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str = ""
    # How many notices were new (not repeats).
    recorded: int = 0


def process_payment_webhook(kind: str, request: WebhookRequest) -> WebhookResponse:
    try:
        provider = get_provider(kind)
    except UnknownPaymentProvider:
        return WebhookResponse(404, "unknown provider")
    if not provider.verify(request):
        logger.warning("payment webhook for %s with an invalid signature", kind)
        return WebhookResponse(403, "invalid signature")
    try:
        notices = provider.parse(request)
    except PaymentProviderError as error:
        # The provider retries: nothing was written.
        logger.warning("payment webhook for %s could not be read: %s", kind, error)
        return WebhookResponse(503, "try again later")
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("payment webhook for %s is malformed: %s", kind, error)
        return WebhookResponse(400, "malformed notice")
    checkouts = {
        checkout.public_id: checkout
        for checkout in Checkout.objects.select_related("account__customer").filter(
            provider=kind, public_id__in=[notice.checkout_public_id for notice in notices]
        )
    }
    unknown = [n.checkout_public_id for n in notices if n.checkout_public_id not in checkouts]
    if unknown:
        # Not ours (another integration on the same provider account, the panel's tests): a
        # refusal would only make the provider retry, then disable the endpoint.
        logger.warning("payment webhook for %s names unknown checkouts %s: ignored", kind, unknown)
    recorded = 0
    for notice in notices:
        checkout = checkouts.get(notice.checkout_public_id)
        if checkout is None:
            continue
        try:
            recorded += _apply_once(kind, notice, checkout)
        except ValueError as error:
            # A notice we cannot record (a zero amount, too many decimals): nothing was written.
            logger.error(
                "payment webhook for %s: checkout %s notice %s refused: %s",
                kind,
                checkout.public_id,
                notice.provider_payment_id,
                error,
            )
            return WebhookResponse(400, "notice refused")
    return WebhookResponse(200, "ok", recorded=recorded)


def _apply_once(kind: str, notice: PaymentNotice, checkout: Checkout) -> bool:
    payload = {
        "provider_payment_id": notice.provider_payment_id,
        "checkout": notice.checkout_public_id,
        "amount": str(notice.amount),
        "currency": notice.currency,
        "paid_at": notice.paid_at.isoformat(),
        "status": notice.status,
    }
    event_id = notice.event_id[:200]
    try:
        with transaction.atomic():
            event = PaymentWebhookEvent.objects.create(
                provider=kind, event_id=event_id, payload=payload
            )
            event.applied = _apply(notice, checkout)
            if not event.applied:
                event.save(update_fields=["applied"])
    except IntegrityError:
        if PaymentWebhookEvent.objects.filter(provider=kind, event_id=event_id).exists():
            return False  # already handled
        raise
    return True


def _apply(notice: PaymentNotice, checkout: Checkout) -> bool:
    if notice.status == NoticeStatus.PAID:
        if notice.currency.upper() != checkout.currency:
            logger.error(
                "checkout %s in %s was paid in %s: not recorded, check it by hand",
                checkout.public_id,
                checkout.currency,
                notice.currency,
            )
            _open_review(
                checkout,
                notice,
                key="payment-currency",
                kind="check_payment",
                reason=gettext_lazy(
                    "Checkout %(checkout)s in %(currency)s was paid %(amount)s %(paid_currency)s "
                    "(provider payment %(payment)s): not recorded, check it by hand."
                ),
            )
            return False
        confirm_checkout(
            checkout,
            provider_payment_id=notice.provider_payment_id,
            amount=notice.amount,
            paid_at=notice.paid_at,
        )
        return True
    if notice.status == NoticeStatus.REVERSED:
        if checkout.status == CheckoutStatus.PAID:
            # The money went back (a refund, a chargeback): a person decides what the ledger says.
            logger.warning(
                "checkout %s: payment %s was reversed at the provider",
                checkout.public_id,
                notice.provider_payment_id,
            )
            _open_review(
                checkout,
                notice,
                key="payment-reversed",
                kind="review",
                reason=gettext_lazy(
                    "The provider reversed payment %(payment)s of checkout %(checkout)s "
                    "(%(amount)s %(paid_currency)s: a refund or a chargeback). Check the account."
                ),
            )
            return True
        return close_checkout(checkout, status=CheckoutStatus.FAILED)
    if notice.status == NoticeStatus.FAILED:
        return close_checkout(checkout, status=CheckoutStatus.FAILED)
    if notice.status == NoticeStatus.EXPIRED:
        return close_checkout(checkout, status=CheckoutStatus.EXPIRED)
    return False  # pending: a later notice says how it ended


def _open_review(
    checkout: Checkout, notice: PaymentNotice, *, key: str, kind: str, reason: Any
) -> None:
    """A task for an agent about ``checkout`` (once per checkout, provider payment and key)."""
    from recaudo.staff.actions import open_task

    account = checkout.account
    with translation.override(account.customer.language or settings.LANGUAGE_CODE):
        text = str(reason) % {
            "checkout": checkout.public_id,
            "currency": checkout.currency,
            "amount": notice.amount,
            "paid_currency": notice.currency,
            "payment": notice.provider_payment_id,
        }
    open_task(
        account.customer,
        kind=kind,
        reason=text,
        account=account,
        dedupe_key=f"{key}:{checkout.provider}:{checkout.public_id}:{notice.provider_payment_id}",
    )
