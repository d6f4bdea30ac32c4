"""An account's state and timeline, only within the key's creditor."""

from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from recaudo.api.auth import creditor_of
from recaudo.api.schemas import (
    AccountEventOut,
    AccountOut,
    DetailOut,
    InstalmentOut,
    PaymentOut,
    Text,
)
from recaudo.debts.models import Account, AccountEvent
from recaudo.lib.money import quantize

router = Router(tags=["accounts"])


class TimelinePagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="Events per page (at most 500).")
        offset: int = Field(0, ge=0, le=10**9, description="Events to skip.")


def _account(request: HttpRequest, external_id: str) -> Account:
    accounts = Account.objects.select_related("customer").prefetch_related(
        "instalments", "payments"
    )
    return get_object_or_404(accounts, creditor=creditor_of(request), external_id=external_id)


def _state(account: Account) -> AccountOut:
    def money(amount: Decimal) -> str:
        return str(quantize(amount, account.currency))

    return AccountOut(
        account_id=account.external_id,
        customer_id=account.customer.external_id,
        product_type=account.product_type,
        currency=account.currency,
        original_amount=money(account.original_amount),
        balance=money(account.balance),
        balance_as_of=account.balance_as_of,
        status=account.status,
        days_past_due=account.days_past_due,
        overdue_amount=money(account.overdue_amount),
        next_due_date=account.next_due_date,
        bucket=account.bucket,
        stage=account.stage,
        segment=account.segment,
        score=account.score,
        computed_as_of=account.computed_as_of,
        instalments=[
            InstalmentOut(
                number=instalment.number,
                due_date=instalment.due_date,
                amount_due=money(instalment.amount_due),
                amount_paid=money(instalment.amount_paid),
            )
            for instalment in account.instalments.all()
        ],
        payments=[
            PaymentOut(
                payment_reference=payment.external_reference,
                amount=money(payment.amount),
                paid_at=payment.paid_at,
                method=payment.method,
                channel=payment.channel,
            )
            for payment in account.payments.all()
        ],
    )


@router.get(
    "/accounts/{external_id}",
    response={200: AccountOut, 404: DetailOut},
    summary="An account's state (estado de la cuenta)",
    description=(
        "Balance and what the nightly refresh computed as of computed_as_of: days past due, "
        "overdue amount, next due date, bucket, stage, segment and score; with the instalments "
        "(oldest first) and payments (newest first). Money is a decimal string."
    ),
)
def get_account(request: HttpRequest, external_id: Text) -> AccountOut:
    return _state(_account(request, external_id))


@router.get(
    "/accounts/{external_id}/timeline",
    response=list[AccountEventOut],
    summary="An account's timeline (historial), newest first",
    description="Every change to the account, newest first; 404 when the account is not found.",
)
@paginate(TimelinePagination)
def get_timeline(request: HttpRequest, external_id: Text) -> QuerySet[AccountEvent]:
    account = get_object_or_404(
        Account.objects.only("pk"), creditor=creditor_of(request), external_id=external_id
    )
    return account.events.order_by("-at", "-id")
