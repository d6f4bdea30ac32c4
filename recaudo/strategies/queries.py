"""Reads of templates used by the planner, the worker and the admin."""

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F

from recaudo.debts.models import Creditor
from recaudo.strategies.models import Template, TemplateStatus


def latest_approved(creditor: Creditor | int, code: str, channel: str) -> Template | None:
    """The newest approved version of ``code`` on ``channel``: the one a step sends."""
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    return (
        Template.objects.filter(
            creditor_id=creditor_id, code=code, channel=channel, status=TemplateStatus.APPROVED
        )
        .order_by("-version")
        .first()
    )


def latest_version(creditor: Creditor | int, code: str, channel: str) -> Template | None:
    """The newest version of ``code`` on ``channel``, whatever its status."""
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    return (
        Template.objects.filter(creditor_id=creditor_id, code=code, channel=channel)
        .order_by("-version")
        .first()
    )


# --- the console's strategy editors: template list, experiment results -----------------------


def latest_templates(creditor: Creditor | int) -> list[Template]:
    """The newest version of every code and channel of the creditor (one query), each with
    ``approved_version``: the version a step sends now (None when none is approved)."""
    from django.db.models import OuterRef, Subquery

    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    same = Template.objects.filter(
        creditor_id=OuterRef("creditor_id"), code=OuterRef("code"), channel=OuterRef("channel")
    ).order_by("-version")
    return list(
        Template.objects.filter(creditor_id=creditor_id)
        .annotate(
            newest=Subquery(same.values("version")[:1]),
            approved_version=Subquery(
                same.filter(status=TemplateStatus.APPROVED).values("version")[:1]
            ),
        )
        .filter(version=F("newest"))
        .order_by("code", "channel")
    )


# Below this many accounts in either arm, or fewer than this many expected payers or
# non-payers under the pooled rate, the normal approximation of the z-test is not trusted.
MIN_ARM_ACCOUNTS = 30
MIN_EXPECTED = 5


def sample_too_small(paid_a: int, accounts_a: int, paid_b: int, accounts_b: int) -> bool:
    if min(accounts_a, accounts_b) < MIN_ARM_ACCOUNTS:
        return True
    pooled = (paid_a + paid_b) / (accounts_a + accounts_b)
    expected = [
        accounts * share for accounts in (accounts_a, accounts_b) for share in (pooled, 1 - pooled)
    ]
    return min(expected) < MIN_EXPECTED


def two_proportion_p_value(
    paid_a: int, accounts_a: int, paid_b: int, accounts_b: int
) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test of ``paid_a/accounts_a`` against
    ``paid_b/accounts_b``; None when the sample is too small (``sample_too_small``)."""
    if sample_too_small(paid_a, accounts_a, paid_b, accounts_b):
        return None
    pooled = (paid_a + paid_b) / (accounts_a + accounts_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / accounts_a + 1 / accounts_b))
    if error == 0:
        return None
    z = (paid_b / accounts_b - paid_a / accounts_a) / error
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass
class VariantResult:
    name: str
    strategy_name: str
    weight: int
    champion: bool = False
    assigned: int = 0
    contacted: int = 0
    promises: int = 0
    payments: int = 0
    amount: Decimal = Decimal(0)
    paid_accounts: int = 0
    # The assigned accounts' balance now plus what they paid in the period: their balance
    # at the start of the experiment, near enough.
    exposure: Decimal = Decimal(0)
    # Against the champion (challengers only).
    p_value: float | None = None
    small_sample: bool = False

    @property
    def paid_rate(self) -> float | None:
        return self.paid_accounts / self.assigned if self.assigned else None

    @property
    def recovery_rate(self) -> float | None:
        return float(self.amount / self.exposure) if self.exposure else None

    @property
    def paid_percent(self) -> float | None:
        rate = self.paid_rate
        return None if rate is None else rate * 100

    @property
    def recovery_percent(self) -> float | None:
        rate = self.recovery_rate
        return None if rate is None else rate * 100


@dataclass
class ExperimentResults:
    start: dt.date
    end: dt.date
    variants: list[VariantResult] = field(default_factory=list)


def _day_bounds(
    creditor: Creditor, start: dt.date, end: dt.date
) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(creditor.timezone)
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def experiment_results(experiment: Any, *, as_of: dt.date) -> ExperimentResults:
    """Per variant: accounts assigned (the planner's stable split of the experiment's segment
    as it is now), accounts contacted, promises made, payments (count, amount), accounts that
    paid, recovery rate, and each challenger's p-value against the champion on "paid".

    Payments (count and amount) are the assigned accounts' payments in the experiment's period,
    the same rows that make "accounts that paid", so the columns always agree. Not the nightly
    ``payments`` metrics by variant: those are keyed by the variant's name only, and names such
    as "champion" repeat across experiments (and a variant without rows would show no payments
    beside accounts that paid). A fixed number of queries, whatever the size of the segment."""
    import polars as pl

    from recaudo.channels.models import ATTEMPTED_STATUSES, Direction, Message
    from recaudo.debts.models import Account, Payment, Promise
    from recaudo.strategies import planner

    creditor = experiment.creditor
    start = experiment.started_on
    end = min(experiment.ended_on or as_of, as_of)
    since, until = _day_bounds(creditor, start, max(end, start))
    variants = list(experiment.variants.select_related("strategy").order_by("id"))
    champion = next(
        (variant for variant in variants if variant.name.lower() == "champion"),
        variants[0] if variants else None,
    )
    results = {
        variant.name: VariantResult(
            name=variant.name,
            strategy_name=variant.strategy.name,
            weight=variant.weight,
            champion=variant is champion,
        )
        for variant in variants
    }
    accounts = Account.objects.filter(creditor=creditor)
    if experiment.segment:
        accounts = accounts.filter(segment=experiment.segment)
    rows = list(accounts.values_list("id", "external_id", "balance"))
    frame = pl.DataFrame(
        {
            "account_id": [row[0] for row in rows],
            "external_id": [row[1] for row in rows],
            "creditor_id": [creditor.pk] * len(rows),
            "segment": [experiment.segment] * len(rows),
        },
        schema={
            "account_id": pl.Int64,
            "external_id": pl.String,
            "creditor_id": pl.Int64,
            "segment": pl.String,
        },
    )
    variant_frame = pl.DataFrame(
        [
            {
                "experiment_id": experiment.pk,
                "creditor_id": creditor.pk,
                "segment": experiment.segment,
                "variant": variant.name,
                "strategy_id": variant.strategy_id,
                "weight": variant.weight,
            }
            for variant in variants
        ],
        schema=planner.VARIANTS,
    )
    assignments = planner.assign_strategies(frame, planner.empty(planner.STRATEGIES), variant_frame)
    variant_of: dict[int, str] = dict(
        zip(assignments["account_id"].to_list(), assignments["variant"].to_list(), strict=True)
    )
    balances = {row[0]: row[2] for row in rows}
    for account_id, name in variant_of.items():
        result = results[name]
        result.assigned += 1
        result.exposure += balances[account_id]

    contacted = (
        Message.objects.filter(
            creditor=creditor,
            direction=Direction.OUTBOUND,
            status__in=ATTEMPTED_STATUSES,
            strategy_id__in=[variant.strategy_id for variant in variants],
            variant__in=list(results),
            created_at__gte=since,
            created_at__lt=until,
        )
        .values("variant", "strategy_id")
        .annotate(accounts=Count("account_id", distinct=True))
        .order_by()
    )
    strategy_of = {variant.name: variant.strategy_id for variant in variants}
    for row in contacted:
        if strategy_of.get(row["variant"]) == row["strategy_id"]:
            results[row["variant"]].contacted += row["accounts"]

    promises = Promise.objects.filter(
        account__in=accounts, created_at__gte=since, created_at__lt=until
    ).values_list("account_id", flat=True)
    for account_id in promises:
        if account_id in variant_of:
            results[variant_of[account_id]].promises += 1

    paid = Payment.objects.filter(
        account__in=accounts, paid_at__gte=since, paid_at__lt=until
    ).values_list("account_id", "amount")
    payers: dict[str, set[int]] = {name: set() for name in results}
    for account_id, amount in paid:
        payer_variant = variant_of.get(account_id)
        if payer_variant is None:
            continue
        payers[payer_variant].add(account_id)
        result = results[payer_variant]
        result.exposure += amount
        result.payments += 1
        result.amount += amount
    for name, result in results.items():
        result.paid_accounts = len(payers[name])
    if champion is not None:
        base = results[champion.name]
        for result in results.values():
            if result is base:
                continue
            result.small_sample = sample_too_small(
                base.paid_accounts, base.assigned, result.paid_accounts, result.assigned
            )
            result.p_value = two_proportion_p_value(
                base.paid_accounts, base.assigned, result.paid_accounts, result.assigned
            )
    return ExperimentResults(start=start, end=end, variants=list(results.values()))
