"""Helpers for the assistant's scripted dialogue tests (owner: the engine's tests)."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from recaudo.conversations.actions import open_conversation, take_turn
from recaudo.conversations.models import Conversation
from recaudo.conversations.replies import Reply
from recaudo.customers.models import Customer
from recaudo.debts.models import Account, Creditor
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_instalment,
)

# A Tuesday, 10:00 in Bogotá: advisers are working.
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)
DOCUMENT = "1045678912"
BIRTH_YEAR = "1985"
_addresses = itertools.count(1)


def holder(creditor: Creditor | None = None, **fields: Any) -> Customer:
    """A customer with a document, a birth date, a mobile phone and an e-mail on file."""
    creditor = creditor or make_creditor()
    customer = make_customer(
        creditor,
        **({"document_number": DOCUMENT, "birth_date": dt.date(1985, 4, 12)} | fields),
    )
    make_contact_point(customer, medium="phone", value=f"+57300{next(_addresses):07d}")
    make_contact_point(customer, medium="email", value=f"maria{customer.pk}@correo.com")
    return customer


def overdue_account(customer: Customer, **fields: Any) -> Account:
    """An account with 200.000 overdue (two instalments) and two instalments to come."""
    account = make_account(
        customer,
        **(
            {
                "balance": Decimal("400000"),
                "overdue_amount": Decimal("200000"),
                "days_past_due": 39,
                "next_due_date": dt.date(2026, 3, 30),
            }
            | fields
        ),
    )
    for day in (
        dt.date(2026, 1, 30),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 30),
        dt.date(2026, 4, 30),
    ):
        make_instalment(account, due_date=day, amount_due=Decimal("100000"))
    return account


def phone_of(customer: Customer) -> str:
    return str(customer.contact_points.filter(medium="phone").first().value)  # type: ignore[union-attr]


class Chat:
    """One conversation driven through ``take_turn``, as a channel would."""

    def __init__(
        self,
        creditor: Creditor,
        *,
        channel: str = "web",
        address: str = "",
        customer: Customer | None = None,
        now: dt.datetime = NOW,
    ) -> None:
        self.now = now
        self.conversation: Conversation = open_conversation(
            creditor,
            channel=channel,
            address=address or f"session-{next(_addresses)}",
            customer=customer,
            now=now,
        )
        self.replies: list[Reply] = []

    def say(self, text: str = "", *, choice: str = "") -> list[Reply]:
        self.now += dt.timedelta(seconds=20)
        self.replies = take_turn(self.conversation, text, choice=choice, now=self.now)
        return self.replies

    def press(self, option_id: str) -> list[Reply]:
        assert option_id in self.option_ids, (option_id, self.option_ids)
        return self.say(choice=option_id)

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def option_ids(self) -> list[str]:
        return [option.id for reply in self.replies for option in reply.options]

    def option(self, option_id: str) -> Any:
        return next(o for reply in self.replies for o in reply.options if o.id == option_id)

    def verify_web(self, document: str = DOCUMENT, year: str = BIRTH_YEAR) -> None:
        self.say(document)
        self.say(year)

    def reload(self) -> Conversation:
        self.conversation.refresh_from_db()
        return self.conversation
