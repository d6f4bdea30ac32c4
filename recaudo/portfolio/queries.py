"""Reads of a creditor's segmentation in the database: the engine's rule matching as ORM ``Q``.

``rule_condition`` is the SQL twin of ``segments.rule_condition`` (Polars), over the values the
last refresh stored on each account (balance, days past due, stage, score) and the customer's
type and tenure as of ``as_of``. The console's segment editor counts with it while a rule is
being typed; ``tests/portfolio/test_segment_queries.py`` proves both assign the same segment.
The first active rule that matches wins, so a rule's accounts exclude those of earlier rules.
"""

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from recaudo.debts.models import TERMINAL_STATUSES, Account, Creditor
from recaudo.portfolio.models import SegmentRule


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back ``months`` whole months, the day clamped to the month's length."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _tenure_at_least(months: int, as_of: dt.date) -> Q:
    # segments.tenure_months(since, as_of) >= n  <=>  since <= as_of moved back n months.
    return Q(customer__customer_since__lte=months_before(as_of, months))


def _tenure_at_most(months: int, as_of: dt.date) -> Q:
    # tenure <= n  <=>  not tenure >= n + 1  (and known).
    return Q(customer__customer_since__isnull=False) & ~Q(
        customer__customer_since__lte=months_before(as_of, months + 1)
    )


def rule_condition(rule: SegmentRule, *, as_of: dt.date | None = None) -> Q:
    """Whether an account matches ``rule`` (saved or not), as a ``Q`` over ``Account``.

    Blank conditions match anything; ranges include both ends; a null value (no score, unknown
    tenure) matches no range on it, as in the engine.
    """
    as_of = as_of or dt.date.today()
    condition = Q()
    ranges = (
        ("balance", rule.min_balance, rule.max_balance),
        ("days_past_due", rule.min_days_past_due, rule.max_days_past_due),
        ("score", rule.min_score, rule.max_score),
    )
    for field, lowest, highest in ranges:
        if lowest is not None:
            condition &= Q(**{f"{field}__gte": lowest})
        if highest is not None:
            condition &= Q(**{f"{field}__lte": highest})
    if rule.min_tenure_months is not None:
        condition &= _tenure_at_least(rule.min_tenure_months, as_of)
    if rule.max_tenure_months is not None:
        condition &= _tenure_at_most(rule.max_tenure_months, as_of)
    if rule.customer_types:
        condition &= Q(customer__customer_type__in=list(rule.customer_types))
    if rule.product_types:
        condition &= Q(product_type__in=list(rule.product_types))
    if rule.stages:
        condition &= Q(stage__in=list(rule.stages))
    return condition


def _ordered_active(rules: Sequence[SegmentRule]) -> list[tuple[int, SegmentRule]]:
    """(index in ``rules``, rule) of the active rules in the engine's order: position, then id
    (an unsaved rule goes after the saved ones of its position)."""
    indexed = [(index, rule) for index, rule in enumerate(rules) if rule.active]
    return sorted(
        indexed, key=lambda item: (item[1].position, item[1].pk is None, item[1].pk or 0, item[0])
    )


def matching_rule_case(rules: Sequence[SegmentRule], *, as_of: dt.date | None = None) -> Case:
    """An expression: the index in ``rules`` of the first active rule matching the account."""
    whens = [
        When(rule_condition(rule, as_of=as_of), then=Value(index))
        for index, rule in _ordered_active(rules)
    ]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def accounts_of(creditor: Creditor | int) -> QuerySet[Account]:
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    return Account.objects.filter(creditor_id=creditor_id)


def matching_count(
    creditor: Creditor | int,
    rules: Sequence[SegmentRule],
    index: int,
    *,
    as_of: dt.date | None = None,
) -> int:
    """How many of the creditor's accounts ``rules[index]`` would take: those it matches that
    no earlier active rule matches (0 for an inactive rule)."""
    rule = rules[index]
    if not rule.active:
        return 0
    condition = rule_condition(rule, as_of=as_of)
    for earlier_index, earlier in _ordered_active(rules):
        if earlier_index == index:
            break
        condition &= ~rule_condition(earlier, as_of=as_of)
    return accounts_of(creditor).filter(condition).count()


@dataclass(frozen=True)
class RuleCount:
    total: int = 0
    # Accounts still in collection (not paid, written off or closed).
    open: int = 0


def rule_counts(
    creditor: Creditor | int, rules: Sequence[SegmentRule], *, as_of: dt.date | None = None
) -> tuple[dict[int, RuleCount], RuleCount]:
    """For every rule (by its index in ``rules``) the accounts it would take, and the accounts
    no rule takes (they get the creditor's default segment), in one query."""
    rows = (
        accounts_of(creditor)
        .annotate(matched_rule=matching_rule_case(rules, as_of=as_of))
        .values("matched_rule")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=~Q(status__in=TERMINAL_STATUSES)),
        )
        .order_by()
    )
    counts = {row["matched_rule"]: RuleCount(row["total"], row["open"]) for row in rows}
    unmatched = counts.pop(-1, RuleCount())
    return {index: counts.get(index, RuleCount()) for index in range(len(rules))}, unmatched


def current_segments(creditor: Creditor | int) -> list[dict[str, object]]:
    """The segments the last refresh wrote: ``segment``, ``total`` and ``open`` accounts."""
    return list(
        accounts_of(creditor)
        .values("segment")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=~Q(status__in=TERMINAL_STATUSES)),
        )
        .order_by("segment")
    )
