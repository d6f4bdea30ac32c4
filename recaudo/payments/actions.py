"""Every write on checkouts: open one at the provider, confirm it when the provider says paid.

``start_checkout`` is called by the payment-link and self-service pages (after verification)
and by the assistant; ``confirm_checkout`` by the webhook processing (``webhooks.py``) only.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from recaudo.channels.actions import queue_message
from recaudo.customers.models import Channel, ContactPoint, Customer
from recaudo.customers.queries import carriers, consents_in_force, email_on_file
from recaudo.debts.actions import record_payment
from recaudo.debts.models import TERMINAL_STATUSES, Account, Actor, Payment, PaymentMethod, Plan
from recaudo.debts.promises import money_for
from recaudo.lib.money import has_valid_precision, quantize
from recaudo.lib.phones import is_mobile
from recaudo.payments.base import PaymentProviderError
from recaudo.payments.models import Checkout, CheckoutPurpose, CheckoutStatus
from recaudo.payments.registry import default_kind, get_provider

logger = logging.getLogger(__name__)

DEFAULT_REUSE_MINUTES = 30


class CheckoutRefused(ValueError):
    """A checkout that cannot be opened; ``message`` is for the customer (Spanish)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


REFUSALS = {
    "amount_not_positive": gettext_lazy("The amount must be greater than zero."),
    "amount_precision": gettext_lazy("The amount has more decimals than the currency allows."),
    "amount_too_high": gettext_lazy("The amount is more than what you owe."),
    "nothing_owed": gettext_lazy("This account has nothing to pay."),
    "plan_required": gettext_lazy("Choose a payment plan first."),
}


def _refuse(code: str) -> CheckoutRefused:
    return CheckoutRefused(code, str(REFUSALS[code]))


def return_url(checkout: Checkout, *, cancelled: bool = False) -> str:
    base = settings.RECAUDO_PUBLIC_URL.rstrip("/")
    path = reverse("payments_return", kwargs={"public_id": checkout.public_id})
    return base + path + ("?cancelled=1" if cancelled else "")


def _limit(account: Account, purpose: str, plan: Plan | None) -> Decimal:
    if purpose == CheckoutPurpose.PAYMENT:
        return account.balance
    if plan is None or plan.account_id != account.id:
        raise _refuse("plan_required")
    if purpose == CheckoutPurpose.PLAN_DOWN_PAYMENT:
        return plan.down_payment
    return plan.total  # settlement: the discounted total in one go


def start_checkout(
    account: Account,
    *,
    amount: Decimal,
    purpose: str = CheckoutPurpose.PAYMENT,
    plan: Plan | None = None,
    provider: str | None = None,
) -> Checkout:
    """Open (or reuse) a checkout of ``amount`` on ``account``; redirect the customer to
    ``checkout.url``.

    Raises ``CheckoutRefused`` (a ValueError, with a message for the customer) for an amount
    that is not positive, has too many decimals, or is more than the balance (the plan's down
    payment or settlement total for those purposes); ``PaymentProviderError`` when the provider
    cannot open it. An open checkout of the same account, amount, purpose and plan younger
    than ``RECAUDO_CHECKOUT_REUSE_MINUTES`` is returned instead of a new one, so a double click
    opens one checkout.
    """
    if purpose not in CheckoutPurpose.values:
        raise ValueError(f"unknown checkout purpose {purpose!r}")
    kind = provider or default_kind()
    payment_provider = get_provider(kind)
    if amount <= 0:
        raise _refuse("amount_not_positive")
    if not has_valid_precision(amount, account.currency):
        raise _refuse("amount_precision")
    reuse_for = timedelta(
        minutes=getattr(settings, "RECAUDO_CHECKOUT_REUSE_MINUTES", DEFAULT_REUSE_MINUTES)
    )
    with transaction.atomic():
        # Locked so two clicks at once open one checkout.
        account = Account.objects.select_for_update().select_related("creditor").get(pk=account.pk)
        if account.balance <= 0 or account.status in TERMINAL_STATUSES:
            raise _refuse("nothing_owed")
        if amount > _limit(account, purpose, plan):
            raise _refuse("amount_too_high")
        checkout = (
            Checkout.objects.filter(
                account=account,
                amount=amount,
                purpose=purpose,
                plan=plan,
                provider=kind,
                status=CheckoutStatus.OPEN,
                created_at__gte=timezone.now() - reuse_for,
            )
            .order_by("-created_at")
            .first()
        )
        if checkout is None:
            checkout = Checkout.objects.create(
                creditor=account.creditor,
                account=account,
                amount=amount,
                currency=account.currency,
                purpose=purpose,
                plan=plan,
                provider=kind,
            )
    checkout.account = account
    if checkout.url:
        return checkout
    # Outside the transaction: a slow provider holds no lock. A checkout reused before its
    # url was saved asks again with the same idempotency key and gets the same session.
    try:
        reference, url = payment_provider.create_checkout(
            checkout,
            success_url=return_url(checkout),
            cancel_url=return_url(checkout, cancelled=True),
        )
    except PaymentProviderError:
        Checkout.objects.filter(pk=checkout.pk, status=CheckoutStatus.OPEN, url="").update(
            status=CheckoutStatus.FAILED
        )
        raise
    Checkout.objects.filter(pk=checkout.pk).update(provider_reference=reference, url=url)
    checkout.provider_reference, checkout.url = reference, url
    return checkout


def confirm_checkout(
    checkout: Checkout, *, provider_payment_id: str, amount: Decimal, paid_at: datetime
) -> Payment:
    """The provider says ``checkout`` was paid: record the payment once and thank the customer.

    The payment is what the provider really took: an ``amount`` other than the checkout's is
    recorded as it is (and logged). The payment's reference is
    ``<provider>:<provider_payment_id>``, unique per creditor, so a repeated confirmation of the
    same provider payment returns the payment already recorded and two at once record one (the
    checkout row is locked too). A *different* provider payment on a checkout already paid (a
    Mercado Pago preference can be paid twice) is real money: it is recorded under its own
    reference (and logged); the checkout keeps its first payment.
    """
    reference = f"{checkout.provider}:{provider_payment_id}"
    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("account__creditor", "account__customer", "payment")
            .get(pk=checkout.pk)
        )
        if checkout.payment is not None and checkout.payment.external_reference == reference:
            return checkout.payment
        account = checkout.account
        if checkout.payment is not None:
            logger.warning(
                "checkout %s, already paid by %s, was paid again by %s: recording both",
                checkout.public_id,
                checkout.payment.external_reference,
                reference,
            )
        elif amount != checkout.amount:
            logger.warning(
                "checkout %s for %s %s was paid %s: recording what was paid",
                checkout.public_id,
                checkout.amount,
                checkout.currency,
                amount,
            )
        payment, _created = record_payment(
            account,
            amount=quantize(amount, account.currency),
            paid_at=paid_at,
            reference=reference,
            method=PaymentMethod.PAYMENT_LINK,
            channel=checkout.provider,
            actor=Actor.CUSTOMER,
        )
        if checkout.payment is None:
            checkout.status = CheckoutStatus.PAID
            checkout.paid_at = paid_at
            checkout.payment = payment
            checkout.save(update_fields=["status", "paid_at", "payment"])
        thank_customer(payment, account=account)
    return payment


def close_checkout(checkout: Checkout, *, status: str) -> bool:
    """Mark an open checkout failed, expired or cancelled; a paid one is never touched."""
    if status not in (CheckoutStatus.FAILED, CheckoutStatus.EXPIRED, CheckoutStatus.CANCELLED):
        raise ValueError(f"cannot close a checkout as {status!r}")
    return bool(
        Checkout.objects.filter(pk=checkout.pk, status=CheckoutStatus.OPEN).update(status=status)
    )


def receipt_destination(customer: Customer) -> tuple[ContactPoint, str] | None:
    """Where a receipt goes: the e-mail on file, else a mobile phone the customer has not
    withdrawn the channel on (WhatsApp first when they prefer it, else SMS); the same choice as
    the promise reminder (``customers.queries``)."""
    email = email_on_file(customer)
    if email is not None:
        return email, Channel.EMAIL
    preferred = [str(channel) for channel in customer.preferred_channels or []]
    texting = [channel for channel in preferred if channel in (Channel.WHATSAPP, Channel.SMS)]
    for channel in dict.fromkeys([*texting, Channel.SMS, Channel.WHATSAPP]):
        points = [point for point in carriers(customer, channel) if is_mobile(point.value)]
        consents = consents_in_force(points)
        for point in points:
            if consents.get((point.pk, channel), True):
                return point, channel
    return None


def thank_customer(payment: Payment, *, account: Account) -> None:
    """Queue one thank-you receipt for ``payment`` (deduplicated per payment)."""
    customer = account.customer
    destination = receipt_destination(customer)
    if destination is None:
        logger.info("payment %s: no contact point for a receipt", payment.id)
        return
    point, channel = destination
    language = customer.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = gettext("We received your payment")
        body = gettext(
            "Hello %(name)s, we received your payment of %(amount)s to %(creditor)s for "
            "account %(account)s. Reference: %(reference)s. Thank you!"
        ) % {
            "name": customer.first_name or customer.full_name,
            "amount": money_for(account, payment.amount),
            "creditor": account.creditor.name,
            "account": account.external_id,
            "reference": payment.external_reference,
        }
    queue_message(
        point,
        channel=channel,
        subject=subject if channel == Channel.EMAIL else "",
        body=body,
        payload={"purpose": "transactional", "payment_id": payment.id},
        account=account,
        dedupe_key=f"payment-receipt:{payment.id}",
        initiated_by_customer=True,
    )
