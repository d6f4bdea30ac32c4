"""The payment plans a creditor's policy offers for an account: pure, Decimal, minor units.

From a ``PlanPolicy`` (see ``queries.plan_policy_for``) and the account's balance:

* ``settlement``: the balance less ``settlement_discount_percent`` (the discount is rounded
  down to the currency's minor unit), in one payment due on the first due date; offered only
  when the discount is above zero.
* ``plan-N``: a down payment of at least ``min_down_payment_percent`` of the balance (rounded
  up), then N monthly instalments of the rest. N is the policy's maximum and half of it
  (``max_instalments // 2``), each lowered so that an instalment is at least
  ``min_instalment``; counts under 2 are not offered (that is a settlement or a promise).
  Every instalment is the rest divided by N rounded down; the last one absorbs the rounding, so
  down payment + instalments = total exactly.

Dates: the first due date is ``today + FIRST_DUE_DAYS`` (7 days: time to arrange the money,
soon enough that the plan starts). With a down payment, the down payment is due on the first
due date and the instalments monthly from one month after it; without one, the instalments are
due monthly from the first due date. A monthly date keeps the first due date's day, moved to
the month's last day when the month is shorter (31 January → 28 February → 31 March).
"""

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from recaudo.debts.models import Account, PlanKind, PlanPolicy
from recaudo.lib.money import from_minor_units, minor_unit, to_minor_units

FIRST_DUE_DAYS = 7
MIN_INSTALMENTS = 2
SETTLEMENT = "settlement"


@dataclass(frozen=True)
class PlanOption:
    key: str  # "settlement", "plan-3", "plan-6", ...
    kind: str  # PlanKind
    instalment_count: int
    down_payment: Decimal
    instalment_amount: Decimal
    total: Decimal
    discount: Decimal
    first_due_date: date
    currency: str

    @property
    def last_instalment_amount(self) -> Decimal:
        """The last instalment: the regular one plus what rounding left over."""
        rest = self.total - self.down_payment
        return rest - self.instalment_amount * (self.instalment_count - 1)

    def schedule(self) -> list[tuple[date, Decimal]]:
        """(due date, amount) of every payment, down payment first."""
        rows: list[tuple[date, Decimal]] = []
        if self.kind == PlanKind.SETTLEMENT:
            return [(self.first_due_date, self.total)]
        start = 0
        if self.down_payment > 0:
            rows.append((self.first_due_date, self.down_payment))
            start = 1
        for index in range(self.instalment_count):
            amount = (
                self.last_instalment_amount
                if index == self.instalment_count - 1
                else self.instalment_amount
            )
            rows.append((add_months(self.first_due_date, start + index), amount))
        return rows


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` months on, on the same day or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def option_key(kind: str, instalment_count: int) -> str:
    return SETTLEMENT if kind == PlanKind.SETTLEMENT else f"plan-{instalment_count}"


def plan_options(account: Account, policy: PlanPolicy | None, *, today: date) -> list[PlanOption]:
    """The options the policy offers for the account's balance, settlement first, then the
    plans by number of instalments; [] without a policy or a balance."""
    if policy is None:
        return []
    currency = account.currency
    balance = to_minor_units(Decimal(account.balance or 0), currency)
    if balance <= 0:
        return []
    first_due = today + timedelta(days=FIRST_DUE_DAYS)
    options: list[PlanOption] = []
    discount_percent = Decimal(policy.settlement_discount_percent)
    if discount_percent > 0:
        discount = math.floor(Decimal(balance) * discount_percent / 100)
        if 0 < discount < balance:
            total = from_minor_units(balance - discount, currency)
            options.append(
                PlanOption(
                    key=SETTLEMENT,
                    kind=PlanKind.SETTLEMENT,
                    instalment_count=1,
                    down_payment=Decimal(0).scaleb(-minor_unit(currency)),
                    instalment_amount=total,
                    total=total,
                    discount=from_minor_units(discount, currency),
                    first_due_date=first_due,
                    currency=currency,
                )
            )
    down = math.ceil(Decimal(balance) * Decimal(policy.min_down_payment_percent) / 100)
    down = min(max(down, 0), balance)
    rest = balance - down
    min_instalment = to_minor_units(Decimal(policy.min_instalment or 0), currency)
    counts: list[int] = []
    for wanted in (policy.max_instalments // 2, policy.max_instalments):
        count = wanted
        if min_instalment > 0:
            count = min(count, rest // min_instalment)
        if rest > 0 and count >= MIN_INSTALMENTS and rest // count > 0 and count not in counts:
            counts.append(count)
    for count in sorted(counts):
        options.append(
            PlanOption(
                key=option_key(PlanKind.INSTALMENTS, count),
                kind=PlanKind.INSTALMENTS,
                instalment_count=count,
                down_payment=from_minor_units(down, currency),
                instalment_amount=from_minor_units(rest // count, currency),
                total=from_minor_units(balance, currency),
                discount=from_minor_units(0, currency),
                first_due_date=first_due,
                currency=currency,
            )
        )
    return options
