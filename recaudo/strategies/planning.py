"""The daily plan's database side: load the frames, run the pure planner, ask the contact policy,
write the messages and tasks in bulk, in one transaction per creditor.

* Message steps (and letters, sent as a PDF by e-mail) become ``channels.Message`` rows: queued
  with ``send_after`` inside the allowed window when the policy allows, ``blocked`` with the
  policy's rule, source and reasons when it refuses for good. Nothing is silently dropped: a
  proposal that cannot become a message (no contact point on any of the step's channels, no
  approved template) is counted in the report under its reason and shown by ``--explain``.
* Call-task and hand-off steps become ``staff.Task`` rows for the agents' queue.
* Every row carries the dedupe key ``plan:{account}:{step}:{anchor date}``: keys already in the
  outbox or the task queue are removed before anything else, so a second run for the same date
  asks nothing and writes nothing.
"""

import datetime as dt
import json
import multiprocessing
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.customers.models import CHANNELS_BY_MEDIUM, Channel
from recaudo.debts.models import Account, Creditor, Stage
from recaudo.policy.types import ContactRequest, Decision, Interaction
from recaudo.portfolio.io.bulk import bulk_cache, insert_frame, is_postgresql, read_frame
from recaudo.portfolio.io.refresh import creditor_currencies, end_of_day_utc, minor_units_sql
from recaudo.staff.priority import task_priority
from recaudo.strategies import planner
from recaudo.strategies.models import Experiment, Step, Strategy, Template, TemplateStatus

# Where the first attempt goes when the customer set no preferred hours (local time); the
# policy moves it to the start of the legal window when the law says later.
DEFAULT_START = dt.time(8, 0)
# Messages of one day are spread over this many seconds after the chosen start, by a stable
# per-account offset, so a million customers are not all due at 08:00:00.
SPREAD_SECONDS = 2 * 3600
# A refusal for the time of day (or a Sunday, a holiday) is followed to the policy's next
# allowed time when it is within this many days; farther, the message is blocked.
MAX_POSTPONE_DAYS = 3
MAX_POLICY_ASKS = 3
POLICY_CHUNK = 5_000
UNPREFERRED = 1_000
# Below this many messages the policy runs in this process even when workers are allowed.
PARALLEL_MIN_MESSAGES = 20_000
# "No reply since the last step" looks this far back in the interaction log.
LOOKBACK_DAYS = 120

# Skipped proposals, by reason (report keys; the command translates them).
SKIP_NO_CONTACT_POINT = "no contact point"
SKIP_NO_TEMPLATE = "no approved template"
SKIP_NO_CHANNEL = "no channel for the step"
SKIP_ALREADY_PLANNED = "already planned"

TASK_KINDS = {"call_task": "call", "handoff": "handoff"}
MEDIUM_BY_CHANNEL = {
    channel: medium for medium, channels in CHANNELS_BY_MEDIUM.items() for channel in channels
}


class PolicyInputs(Protocol):
    def request(
        self,
        *,
        channel: str,
        at: dt.datetime,
        account: Any = None,
        recipient_role: str = "debtor",
        purpose: str = "dunning",
        initiated_by_customer: bool = False,
        contact_point: Any = None,
    ) -> ContactRequest: ...


Policy = Callable[[ContactRequest], Decision]
PolicyLoader = Callable[..., Mapping[int, PolicyInputs]]


def real_policy(request: ContactRequest) -> Decision:
    from recaudo.policy.decide import decide

    return decide(request)


def real_policy_loader(customer_ids: list[int], *, at: dt.datetime) -> Mapping[int, PolicyInputs]:
    from recaudo.policy.context import load_policy_inputs

    return load_policy_inputs(customer_ids, at=at)


@dataclass
class PlanReport:
    """What a plan did, summed over the creditors it ran for."""

    as_of: dt.date
    creditors: list[str] = field(default_factory=list)
    accounts: int = 0
    proposals: int = 0
    queued: int = 0
    blocked: dict[str, int] = field(default_factory=dict)  # by policy rule
    tasks: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # by reason
    by_step: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add_seconds(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def count(self, table: dict[str, int], key: str, number: int = 1) -> None:
        if number:
            table[key] = table.get(key, 0) + number


@dataclass(frozen=True)
class PlanInputs:
    accounts: pl.DataFrame  # planner.ACCOUNTS
    strategies: pl.DataFrame  # planner.STRATEGIES
    steps: list[planner.StepSpec]
    variants: pl.DataFrame  # planner.VARIANTS
    settings: planner.PlannerSettings


# Loading ---------------------------------------------------------------------------------


def planner_settings(creditor: Creditor, grace_days: int) -> planner.PlannerSettings:
    return planner.PlannerSettings(
        grace_days=grace_days,
        stage_from_days={
            "administrative": creditor.administrative_from_days,
            "pre_legal": creditor.pre_legal_from_days,
            "legal_handoff": creditor.legal_handoff_from_days,
        },
    )


def _account_filter(account_id: int | None) -> tuple[str, list[Any]]:
    return ("AND a.id = %s", [account_id]) if account_id is not None else ("", [])


def load_accounts(
    creditor: Creditor, as_of: dt.date, account_id: int | None = None
) -> pl.DataFrame:
    """The planner's ACCOUNTS frame (one query per fact, each a column-wise bulk read)."""
    currencies = creditor_currencies(creditor)
    balance, balance_params = minor_units_sql("a.balance", currencies)
    only, only_params = _account_filter(account_id)
    accounts = read_frame(
        "SELECT a.id, a.external_id, a.creditor_id, a.customer_id, a.segment, a.stage, "
        f"a.days_past_due, a.next_due_date, a.computed_as_of, a.score, a.status, {balance} "
        f"FROM debts_account a WHERE a.creditor_id = %s {only}",
        [*balance_params, creditor.pk, *only_params],
        {
            "account_id": pl.Int64,
            "external_id": pl.String,
            "creditor_id": pl.Int64,
            "customer_id": pl.Int64,
            "segment": pl.String,
            "stage": pl.String,
            "days_past_due": pl.Int64,
            "next_due_date": pl.Date,
            "computed_as_of": pl.Date,
            "score": pl.Float64,
            "status": pl.String,
            "balance_minor": pl.Int64,
        },
    )
    entered = read_frame(
        "SELECT e.account_id, MAX(e.as_of) FROM debts_accountevent e "
        "JOIN debts_account a ON a.id = e.account_id "
        "WHERE a.creditor_id = %s AND e.kind = 'stage_changed' AND e.to_value = a.stage "
        f"AND e.as_of <= %s {only} GROUP BY e.account_id",
        [creditor.pk, as_of, *only_params],
        {"account_id": pl.Int64, "stage_entered_on": pl.Date},
    )
    broken = read_frame(
        "SELECT e.account_id, MAX(e.as_of) FROM debts_accountevent e "
        "JOIN debts_account a ON a.id = e.account_id "
        "WHERE a.creditor_id = %s AND e.kind = 'promise_broken' "
        f"AND e.as_of <= %s {only} GROUP BY e.account_id",
        [creditor.pk, as_of, *only_params],
        {"account_id": pl.Int64, "promise_broken_on": pl.Date},
    )
    promised = read_frame(
        "SELECT DISTINCT p.account_id FROM debts_promise p "
        "JOIN debts_account a ON a.id = p.account_id "
        f"WHERE a.creditor_id = %s AND p.status = 'active' AND p.promised_date >= %s {only}",
        [creditor.pk, as_of, *only_params],
        {"account_id": pl.Int64},
    ).with_columns(promise=pl.lit(True))
    end = end_of_day_utc(creditor, as_of)
    until = connection.ops.adapt_datetimefield_value(end)
    since = connection.ops.adapt_datetimefield_value(end - dt.timedelta(days=LOOKBACK_DAYS))
    last_step = read_frame(
        "SELECT a.id, MAX(COALESCE(m.sent_at, m.send_after, m.created_at)) "
        "FROM channels_message m JOIN debts_account a ON a.id = m.account_id "
        "WHERE m.creditor_id = %s AND m.direction = 'outbound' AND m.step_id IS NOT NULL "
        "AND m.status NOT IN ('blocked', 'cancelled', 'failed') "
        "AND COALESCE(m.sent_at, m.send_after, m.created_at) < %s "
        f"AND m.created_at >= %s {only} GROUP BY a.id",
        [creditor.pk, until, since, *only_params],
        {"account_id": pl.Int64, "last_step_at": pl.Datetime("us", "UTC")},
    )
    last_inbound = read_frame(
        "SELECT m.customer_id, MAX(m.created_at) FROM channels_message m "
        "WHERE m.creditor_id = %s AND m.direction = 'inbound' AND m.customer_id IS NOT NULL "
        "AND m.created_at < %s AND m.created_at >= %s GROUP BY m.customer_id",
        [creditor.pk, until, since],
        {"customer_id": pl.Int64, "last_inbound_at": pl.Datetime("us", "UTC")},
    )
    # The oldest unpaid due date, from the refresh's values: the oldest past-due instalment's
    # date when past due, else the next due date.
    oldest = (
        pl.when(pl.col("days_past_due") > 0)
        .then(pl.col("computed_as_of") - pl.duration(days=pl.col("days_past_due")))
        .otherwise(pl.col("next_due_date"))
    )
    return (
        accounts.with_columns(oldest_unpaid_due_date=oldest)
        .join(entered, on="account_id", how="left")
        .join(broken, on="account_id", how="left")
        .join(promised, on="account_id", how="left")
        .join(last_step, on="account_id", how="left")
        .join(last_inbound, on="customer_id", how="left")
        .with_columns(
            active_promise=pl.col("promise").fill_null(False)
            | pl.col("status").is_in(planner.PROMISE_STATUSES)
        )
        .select(*planner.ACCOUNTS)
    )


def load_strategies(creditor: Creditor) -> tuple[pl.DataFrame, list[planner.StepSpec]]:
    strategies = pl.DataFrame(
        [
            {"strategy_id": pk, "creditor_id": creditor.pk, "segment": segment, "active": active}
            for pk, segment, active in Strategy.objects.filter(creditor=creditor).values_list(
                "pk", "segment", "active"
            )
        ],
        schema=planner.STRATEGIES,
    )
    steps = [step_spec(step) for step in Step.objects.filter(strategy__creditor=creditor)]
    return strategies, steps


def step_spec(step: Step) -> planner.StepSpec:
    return planner.StepSpec(
        step_id=step.pk,
        strategy_id=step.strategy_id,
        order=step.order,
        name=step.name,
        trigger=step.trigger,
        offset_days=step.offset_days,
        action=step.action,
        channel=step.channel,
        template_code=step.template_code,
        stage=step.stage,
        conditions=planner.StepConditions.parse(step.conditions),
    )


def load_variants(creditor: Creditor, as_of: dt.date) -> pl.DataFrame:
    # The planner gives an account in two experiments to the first: segment-specific ones
    # before those over every segment, then the oldest.
    experiments = (
        Experiment.objects.filter(creditor=creditor, active=True, started_on__lte=as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=as_of))
        .order_by(F("segment").desc(), "started_on", "pk")
    )
    rows = [
        {
            "experiment_id": experiment.pk,
            "creditor_id": creditor.pk,
            "segment": experiment.segment,
            "variant": variant.name,
            "strategy_id": variant.strategy_id,
            "weight": variant.weight,
        }
        for experiment in experiments.prefetch_related("variants")
        for variant in experiment.variants.all()
    ]
    return pl.DataFrame(rows, schema=planner.VARIANTS)


def load_inputs(
    creditor: Creditor,
    as_of: dt.date,
    *,
    account_id: int | None = None,
    grace_days: int = planner.DEFAULT_GRACE_DAYS,
) -> PlanInputs:
    strategies, steps = load_strategies(creditor)
    return PlanInputs(
        accounts=load_accounts(creditor, as_of, account_id),
        strategies=strategies,
        steps=steps,
        variants=load_variants(creditor, as_of),
        settings=planner_settings(creditor, grace_days),
    )


@contextmanager
def customer_ids_table(customer_ids: pl.Series) -> Iterator[str]:
    """A temporary table ``plan_customers(id)`` holding ``customer_ids``, for joins."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS plan_customers")
        cursor.execute("CREATE TEMPORARY TABLE plan_customers (id bigint PRIMARY KEY)")
        insert_frame("plan_customers", customer_ids.unique().drop_nulls().to_frame("id"))
        try:
            yield "plan_customers"
        finally:
            cursor.execute("DROP TABLE IF EXISTS plan_customers")


def load_customers(table: str) -> pl.DataFrame:
    """Time zone and preferred hours and channels of the customers in ``table``."""
    customers = read_frame(
        "SELECT c.id, c.timezone, c.preferred_hours_start, c.preferred_hours_end, "
        f"c.preferred_channels FROM {table} k JOIN customers_customer c ON c.id = k.id",
        [],
        {
            "customer_id": pl.Int64,
            "timezone": pl.String,
            "preferred_start": pl.String,
            "preferred_end": pl.String,
            "preferred_channels": pl.String,
        },
    )
    return customers.with_columns(
        preferred_start=pl.col("preferred_start").str.slice(0, 8).str.to_time("%H:%M:%S"),
        preferred_end=pl.col("preferred_end").str.slice(0, 8).str.to_time("%H:%M:%S"),
        preferred_channels=pl.col("preferred_channels")
        .fill_null("[]")
        .str.json_decode(pl.List(pl.String)),
    )


def load_contact_points(table: str) -> pl.DataFrame:
    """The best active debtor contact point per customer in ``table`` and medium (verified,
    then oldest)."""
    points = read_frame(
        "SELECT cp.id, cp.customer_id, cp.medium, cp.value, cp.verified "
        f"FROM {table} k JOIN customers_contactpoint cp ON cp.customer_id = k.id "
        "WHERE cp.status = 'active' AND cp.role = 'debtor'",
        [],
        {
            "contact_point_id": pl.Int64,
            "customer_id": pl.Int64,
            "medium": pl.String,
            "address": pl.String,
            "verified": pl.Boolean,
        },
    )
    return (
        points.sort(
            ["customer_id", "medium", "verified", "contact_point_id"],
            descending=[False, False, True, False],
        )
        .unique(["customer_id", "medium"], keep="first", maintain_order=True)
        .drop("verified")
    )


def load_templates(creditor: Creditor) -> pl.DataFrame:
    """The newest approved version per template code and channel."""
    rows = (
        Template.objects.filter(creditor=creditor, status=TemplateStatus.APPROVED)
        .order_by("code", "channel", "-version")
        .values_list("code", "channel", "pk")
    )
    latest: dict[tuple[str, str], int] = {}
    for code, channel, pk in rows:
        latest.setdefault((code, channel), pk)
    return pl.DataFrame(
        [
            {"template_code": code, "message_channel": channel, "template_id": pk}
            for (code, channel), pk in latest.items()
        ],
        schema={"template_code": pl.String, "message_channel": pl.String, "template_id": pl.Int64},
    )


def existing_keys(keys: pl.Series) -> pl.Series:
    """The keys of ``keys`` already in the outbox or the task queue (one indexed join each)."""
    if keys.is_empty():
        return pl.Series("dedupe_key", [], dtype=pl.String)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS plan_keys")
        key_type = "varchar(200)" if is_postgresql() else "TEXT"
        cursor.execute(f"CREATE TEMPORARY TABLE plan_keys (dedupe_key {key_type} PRIMARY KEY)")
        insert_frame("plan_keys", keys.to_frame("dedupe_key"))
        found = read_frame(
            "SELECT k.dedupe_key FROM plan_keys k "
            "JOIN channels_message m ON m.dedupe_key = k.dedupe_key "
            "UNION SELECT k.dedupe_key FROM plan_keys k "
            "JOIN staff_task t ON t.dedupe_key = k.dedupe_key",
            [],
            {"dedupe_key": pl.String},
        )
        cursor.execute("DROP TABLE plan_keys")
    return found["dedupe_key"]


# Pure steps on the proposals ------------------------------------------------------------


def choose_channels(
    messages: pl.DataFrame,
    customers: pl.DataFrame,
    contact_points: pl.DataFrame,
    templates: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each message proposal's channel, contact point and template, and the ones left without.

    The candidate channels are the step's (a letter goes by e-mail); the customer's preferred
    channels come first, in their order, then the step's order; the first candidate with an
    active debtor contact point and an approved template wins.
    """
    preferred = (
        customers.select("customer_id", message_channel="preferred_channels")
        .explode("message_channel")
        .filter(pl.col("message_channel").is_not_null())
        .with_columns(preferred_rank=pl.int_range(pl.len()).over("customer_id"))
        .unique(["customer_id", "message_channel"], keep="first", maintain_order=True)
    )
    candidates = (
        messages.with_columns(
            channels=pl.when(pl.col("action") == "letter")
            .then(pl.lit(["email"], dtype=pl.List(pl.String)))
            .otherwise(pl.col("channels"))
        )
        .with_row_index("proposal")
        .explode("channels")
        .rename({"channels": "message_channel"})
        .filter(pl.col("message_channel").is_not_null())
        .with_columns(
            step_rank=pl.int_range(pl.len()).over("proposal"),
            medium=pl.col("message_channel").replace_strict(
                MEDIUM_BY_CHANNEL, default=None, return_dtype=pl.String
            ),
        )
        .join(preferred, on=["customer_id", "message_channel"], how="left")
        .with_columns(pl.col("preferred_rank").fill_null(UNPREFERRED))
    )
    # A letter uses the template's letter version (else its e-mail one) and goes by e-mail.
    letter_templates = templates.filter(pl.col("message_channel") == "letter").select(
        "template_code", letter_template_id="template_id"
    )
    with_points = (
        candidates.join(contact_points, on=["customer_id", "medium"], how="left")
        .join(templates, on=["template_code", "message_channel"], how="left")
        .join(letter_templates, on="template_code", how="left")
        .with_columns(
            template_id=pl.when(pl.col("action") == "letter")
            .then(pl.coalesce("letter_template_id", "template_id"))
            .otherwise("template_id")
        )
        .drop("letter_template_id")
    )
    usable = with_points.filter(
        pl.col("contact_point_id").is_not_null() & pl.col("template_id").is_not_null()
    )
    chosen = usable.sort("proposal", "preferred_rank", "step_rank").unique(
        "proposal", keep="first", maintain_order=True
    )
    missing = with_points.filter(~pl.col("proposal").is_in(chosen["proposal"].implode()))
    # Without a contact point on any candidate channel, or with points but no template.
    without = missing.group_by("proposal").agg(
        any_point=pl.col("contact_point_id").is_not_null().any()
    )
    # Every proposal not chosen is accounted for, including a step with no channel we know.
    left_out = (
        messages.with_row_index("proposal")
        .join(chosen.select("proposal"), on="proposal", how="anti")
        .join(without, on="proposal", how="left")
        .with_columns(
            skip_reason=pl.when(pl.col("any_point").is_null())
            .then(pl.lit(SKIP_NO_CHANNEL))
            .when(pl.col("any_point"))
            .then(pl.lit(SKIP_NO_TEMPLATE))
            .otherwise(pl.lit(SKIP_NO_CONTACT_POINT))
        )
        .drop("proposal", "any_point")
    )
    return chosen.drop("proposal", "step_rank", "preferred_rank"), left_out


def first_moments(proposals: pl.DataFrame, customers: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """``at``: the first moment to ask the policy about, in UTC.

    The start of the customer's preferred hours on ``as_of`` in their zone (else
    ``DEFAULT_START``), plus a stable per-account offset within ``SPREAD_SECONDS`` (at most
    half the preferred window).
    """
    joined = proposals.join(
        customers.select("customer_id", "timezone", "preferred_start", "preferred_end"),
        on="customer_id",
        how="left",
    )
    start_seconds = _seconds(pl.col("preferred_start").fill_null(DEFAULT_START))
    window = pl.when(
        pl.col("preferred_end").is_not_null() & pl.col("preferred_start").is_not_null()
    )
    spread = (
        window.then((_seconds(pl.col("preferred_end")) - start_seconds) // 2)
        .otherwise(SPREAD_SECONDS)
        .clip(1, SPREAD_SECONDS)
    )
    offset = (pl.col("account_id") * 2_654_435_761 % 4_294_967_296) % spread
    local = pl.lit(dt.datetime.combine(as_of, dt.time())) + pl.duration(
        seconds=start_seconds + offset
    )
    joined = joined.with_columns(local_at=local, timezone=pl.col("timezone").fill_null("UTC"))
    parts = []
    for (zone,), group in joined.group_by(["timezone"]):
        zone_name = str(zone) if _valid_zone(str(zone)) else "UTC"
        parts.append(group.with_columns(at=_instant(pl.col("local_at"), zone_name)))
    moments = (
        pl.concat(parts)
        if parts
        else joined.with_columns(at=pl.lit(None, dtype=pl.Datetime("us", "UTC")))
    )
    return moments.drop("local_at", "preferred_start", "preferred_end").sort(
        "account_id", "step_order"
    )


def _instant(local: pl.Expr, zone_name: str) -> pl.Expr:
    """Wall-clock ``local`` in ``zone_name`` as UTC; a time the clocks skip (the hour lost to
    daylight saving) becomes the same wall time an hour later."""

    def in_zone(wall: pl.Expr) -> pl.Expr:
        return wall.dt.replace_time_zone(
            zone_name, ambiguous="earliest", non_existent="null"
        ).dt.convert_time_zone("UTC")

    return in_zone(local).fill_null(in_zone(local + pl.duration(hours=1)))


def _seconds(clock: pl.Expr) -> pl.Expr:
    return (clock.cast(pl.Int64) // 1_000_000_000).cast(pl.Int64)


def _valid_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


# The policy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    at: dt.datetime
    decision: Decision
    asked: int


def ask_policy(
    inputs: PolicyInputs,
    *,
    channel: str,
    at: dt.datetime,
    policy: Policy,
    account: int | None = None,
    contact_point: int | None = None,
    planned: Iterable[Interaction] = (),
) -> Outcome:
    """Ask at ``at``; a refusal with a next allowed time within ``MAX_POSTPONE_DAYS`` is asked
    again at that time (a few times at most). ``planned`` are this run's earlier messages to the
    same customer, which the frequency rules must count."""
    planned = tuple(planned)
    moment = at
    asked = 0
    while True:
        request = inputs.request(
            channel=channel, at=moment, account=account, contact_point=contact_point
        )
        if planned:
            request = replace(request, history=(*request.history, *planned))
        decision = policy(request)
        asked += 1
        if decision.allowed:
            return Outcome(True, moment, decision, asked)
        later = decision.next_allowed_at
        if (
            later is None
            or later <= moment
            or later - at > dt.timedelta(days=MAX_POSTPONE_DAYS)
            or asked >= MAX_POLICY_ASKS
        ):
            return Outcome(False, moment, decision, asked)
        moment = later


Decided = tuple[list[bool], list[dt.datetime], list[str], list[str], list[str]]
# (customer id, account id, external id, channel, first moment, contact point id)
PolicyRow = tuple[int, int, str, str, dt.datetime, int]


def decide_messages(
    messages: pl.DataFrame,
    *,
    policy: Policy,
    load_inputs: PolicyLoader,
    at: dt.datetime,
    workers: int = 1,
) -> pl.DataFrame:
    """Adds ``allowed``, ``send_after``, ``policy_rule``, ``policy_source``, ``policy_reasons``
    (JSON text) to each message proposal (sorted by customer so a customer's messages of this
    run count against each other). With ``workers`` > 1 and many messages, slices of customers
    are decided in that many processes (``policy`` and ``load_inputs`` must then be importable
    module-level functions)."""
    messages = messages.sort("customer_id", "account_id", "step_order")
    rows: list[PolicyRow] = messages.select(
        "customer_id", "account_id", "external_id", "message_channel", "at", "contact_point_id"
    ).rows()
    if workers > 1 and len(rows) >= PARALLEL_MIN_MESSAGES:
        allowed, send_after, rules, sources, reasons = _decide_in_processes(
            rows, policy, load_inputs, at, workers
        )
    else:
        allowed, send_after, rules, sources, reasons = decide_rows(rows, policy, load_inputs, at)
    return messages.with_columns(
        allowed=pl.Series(allowed, dtype=pl.Boolean),
        send_after=pl.Series(send_after, dtype=pl.Datetime("us", "UTC")),
        policy_rule=pl.Series(rules, dtype=pl.String),
        policy_source=pl.Series(sources, dtype=pl.String),
        policy_reasons=pl.Series(reasons, dtype=pl.String),
    )


def decide_rows(
    rows: list[PolicyRow], policy: Policy, load_inputs: PolicyLoader, at: dt.datetime
) -> Decided:
    """The policy's answer for each row (rows grouped by customer), inputs loaded per chunk."""
    decided: Decided = ([], [], [], [], [])
    allowed, send_after, rules, sources, reasons = decided
    customer_ids = list(dict.fromkeys(row[0] for row in rows))
    position = 0
    for start in range(0, len(customer_ids), POLICY_CHUNK):
        chunk = customer_ids[start : start + POLICY_CHUNK]
        inputs_by_customer = load_inputs(chunk, at=at)
        for customer_id in chunk:
            planned: list[Interaction] = []
            inputs = inputs_by_customer.get(customer_id)
            while position < len(rows) and rows[position][0] == customer_id:
                _, account_id, external_id, channel, moment, point_id = rows[position]
                if inputs is None:
                    raise LookupError(f"no policy inputs for customer {customer_id}")
                outcome = ask_policy(
                    inputs,
                    channel=channel,
                    at=moment,
                    policy=policy,
                    account=account_id,
                    contact_point=point_id,
                    planned=planned,
                )
                if outcome.allowed:
                    planned.append(Interaction(at=outcome.at, channel=channel, debt_id=external_id))
                allowed.append(outcome.allowed)
                send_after.append(outcome.at)
                rules.append(outcome.decision.rule)
                sources.append(outcome.decision.source)
                reasons.append(json.dumps(list(outcome.decision.reasons), ensure_ascii=False))
                position += 1
    return decided


def _slices_by_customer(rows: list[PolicyRow], parts: int) -> list[list[PolicyRow]]:
    """``rows`` in about ``parts`` consecutive slices, never splitting one customer's rows."""
    size = max(1, -(-len(rows) // parts))
    slices: list[list[PolicyRow]] = []
    start = 0
    while start < len(rows):
        end = min(start + size, len(rows))
        while end < len(rows) and rows[end][0] == rows[end - 1][0]:
            end += 1
        slices.append(rows[start:end])
        start = end
    return slices


def _start_worker() -> None:
    import django

    django.setup()


def _decide_job(job: tuple[list[PolicyRow], Policy, PolicyLoader, dt.datetime]) -> Decided:
    return decide_rows(*job)


def _decide_in_processes(
    rows: list[PolicyRow],
    policy: Policy,
    load_inputs: PolicyLoader,
    at: dt.datetime,
    workers: int,
) -> Decided:
    """``decide_rows`` over slices of customers in ``workers`` fresh processes.

    Each process opens its own database connection and reads only committed rows, which is
    all the policy needs: the plan has written nothing yet.
    """
    jobs = [(part, policy, load_inputs, at) for part in _slices_by_customer(rows, workers * 4)]
    decided: Decided = ([], [], [], [], [])
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        for part in pool.map(_decide_job, jobs):
            for whole, piece in zip(decided, part, strict=True):
                whole.extend(piece)  # type: ignore[attr-defined]
    return decided


# Writing --------------------------------------------------------------------------------


def message_rows(decided: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """Rows for ``bulk.insert_frame`` on ``channels_message``."""
    return decided.select(
        creditor_id="creditor_id",
        customer_id="customer_id",
        account_id="account_id",
        contact_point_id="contact_point_id",
        direction=pl.lit("outbound"),
        channel="message_channel",
        provider=pl.lit(""),
        address="address",
        recipient_role=pl.lit("debtor"),
        subject=pl.lit(""),
        body=pl.lit(""),
        payload=pl.when(pl.col("action") == "letter")
        .then(pl.lit('{"letter": true}'))
        .otherwise(pl.lit("{}")),
        template_id="template_id",
        strategy_id="strategy_id",
        step_id="step_id",
        variant="variant",
        status=pl.when(pl.col("allowed")).then(pl.lit("queued")).otherwise(pl.lit("blocked")),
        send_after="send_after",
        dedupe_key="dedupe_key",
        attempts=pl.lit(0, dtype=pl.Int64),
        claimed_by=pl.lit(""),
        error=pl.lit(""),
        policy_rule=pl.when(pl.col("allowed")).then(pl.lit("")).otherwise("policy_rule"),
        policy_source=pl.when(pl.col("allowed")).then(pl.lit("")).otherwise("policy_source"),
        policy_reasons=pl.when(pl.col("allowed")).then(pl.lit("[]")).otherwise("policy_reasons"),
        connected=pl.lit(True),
        conversation=pl.lit(False),
        initiated_by_customer=pl.lit(False),
        created_at=pl.lit(now, dtype=pl.Datetime("us", "UTC")),
    )


def task_rows(tasks: pl.DataFrame, step_names: Mapping[int, str], now: dt.datetime) -> pl.DataFrame:
    """Rows for ``bulk.insert_frame`` on ``staff_task``."""
    priorities = [
        task_priority(stage, balance, score)
        for stage, balance, score in tasks.select("stage", "balance_minor", "score").iter_rows()
    ]
    return tasks.with_columns(priority=pl.Series(priorities, dtype=pl.Int64)).select(
        creditor_id="creditor_id",
        customer_id="customer_id",
        account_id="account_id",
        kind=pl.col("action").replace_strict(TASK_KINDS, return_dtype=pl.String),
        status=pl.lit("open"),
        priority="priority",
        reason=pl.col("step_id").replace_strict(
            dict(step_names), default="", return_dtype=pl.String
        ),
        due_at="at",
        strategy_id="strategy_id",
        step_id="step_id",
        dedupe_key="dedupe_key",
        created_at=pl.lit(now, dtype=pl.Datetime("us", "UTC")),
    )


# The plan -------------------------------------------------------------------------------


def plan_creditor(
    creditor: Creditor,
    as_of: dt.date,
    report: PlanReport,
    *,
    policy: Policy,
    load_policy_inputs: PolicyLoader,
    grace_days: int = planner.DEFAULT_GRACE_DAYS,
    workers: int = 1,
    not_before: dt.datetime | None = None,
) -> None:
    try:
        _plan_creditor(
            creditor,
            as_of,
            report,
            policy=policy,
            load_policy_inputs=load_policy_inputs,
            grace_days=grace_days,
            workers=workers,
            not_before=not_before,
        )
    except IntegrityError as error:
        # Two plans of one creditor at once: the second hit the first's deduplication keys and
        # kept nothing. Running it again plans only what is missing.
        raise PlanConflict(creditor.slug) from error


class PlanConflict(Exception):
    """Another plan of the same creditor wrote some of the same messages meanwhile."""


def _plan_creditor(
    creditor: Creditor,
    as_of: dt.date,
    report: PlanReport,
    *,
    policy: Policy,
    load_policy_inputs: PolicyLoader,
    grace_days: int,
    workers: int,
    not_before: dt.datetime | None,
) -> None:
    with bulk_cache(), transaction.atomic():
        started = time.perf_counter()
        inputs = load_inputs(creditor, as_of, grace_days=grace_days)
        loaded = time.perf_counter()
        proposals = planner.propose(
            inputs.accounts,
            inputs.strategies,
            inputs.steps,
            inputs.variants,
            as_of,
            inputs.settings,
        )
        done = existing_keys(proposals["dedupe_key"])
        report.count(report.skipped, SKIP_ALREADY_PLANNED, done.len())
        planned_before = proposals.filter(pl.col("dedupe_key").is_in(done.implode()))
        proposals = proposals.filter(~pl.col("dedupe_key").is_in(done.implode()))
        with customer_ids_table(proposals["customer_id"]) as table:
            customers = load_customers(table)
            contact_points = load_contact_points(table)
        proposals = first_moments(proposals, customers, as_of)
        if not_before is not None:
            # Planned later in the day: nothing is due before now.
            proposals = proposals.with_columns(
                at=pl.max_horizontal(
                    "at", pl.lit(not_before.astimezone(dt.UTC), pl.Datetime("us", "UTC"))
                )
            )
        is_task = pl.col("action").is_in(list(TASK_KINDS))
        messages, left_out = choose_channels(
            proposals.filter(~is_task), customers, contact_points, load_templates(creditor)
        )
        messages, superseded = latest_messages_only(messages, planned_before.filter(~is_task))
        report.count(report.skipped, planner.SUPERSEDED, superseded)
        planned = time.perf_counter()
        decided = decide_messages(
            messages,
            policy=policy,
            load_inputs=load_policy_inputs,
            at=end_of_day_utc(creditor, as_of),
            workers=workers,
        )
        asked = time.perf_counter()
        now = timezone.now()
        insert_frame("channels_message", message_rows(decided, now))
        tasks = proposals.filter(is_task)
        names = {step.step_id: step.name for step in inputs.steps}
        insert_frame("staff_task", task_rows(tasks, names, now))
        written = time.perf_counter()
    report.creditors.append(creditor.slug)
    report.accounts += inputs.accounts.height
    report.proposals += proposals.height - superseded
    report.queued += int(decided["allowed"].sum())
    for rule, count in _counts(decided.filter(~pl.col("allowed")), "policy_rule").items():
        report.count(report.blocked, rule, count)
    report.tasks += tasks.height
    for reason, count in _counts(left_out, "skip_reason").items():
        report.count(report.skipped, reason, count)
    for order, count in _counts(
        proposals.with_columns(pl.col("step_order").cast(pl.String)), "step_order"
    ).items():
        report.count(report.by_step, order, count)
    report.add_seconds("load", loaded - started)
    report.add_seconds("plan", planned - loaded)
    report.add_seconds("policy", asked - planned)
    report.add_seconds("write", written - asked)


def latest_messages_only(
    messages: pl.DataFrame, planned_before: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """The messages to write, without those a later step of the same account replaces (a
    catch-up sends the latest message, not a burst); and how many were dropped.

    Only messages that can go compete: the ones with a channel and a template (``messages``)
    and the ones planned on an earlier run, so a step that cannot be sent never silences the
    one before it.
    """
    columns = ["account_id", "step_id", "step_order", "action", "fires_on", "reason", "dedupe_key"]
    contest = planner.supersede(
        pl.concat([planned_before.select(columns), messages.select(columns)], how="vertical")
    )
    replaced = contest.filter(pl.col("reason") == planner.SUPERSEDED)["dedupe_key"]
    kept = messages.filter(~pl.col("dedupe_key").is_in(replaced.implode()))
    return kept, messages.height - kept.height


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = frame.group_by(column).len().sort(column)
    return dict(zip(counted[column].to_list(), counted["len"].to_list(), strict=True))


def plan(
    *,
    as_of: dt.date,
    creditor: Creditor | None = None,
    policy: Policy = real_policy,
    load_policy_inputs: PolicyLoader = real_policy_loader,
    grace_days: int = planner.DEFAULT_GRACE_DAYS,
    workers: int = 1,
    not_before: dt.datetime | None = None,
) -> PlanReport:
    """Plan ``as_of`` for ``creditor`` (or every creditor in turn) and write the outcome.

    ``workers`` > 1 asks the contact policy from that many processes (large plans only).
    ``not_before`` (the commands pass now) keeps every message from being due earlier."""
    report = PlanReport(as_of=as_of)
    creditors = [creditor] if creditor is not None else list(Creditor.objects.order_by("slug"))
    for each in creditors:
        plan_creditor(
            each,
            as_of,
            report,
            policy=policy,
            load_policy_inputs=load_policy_inputs,
            grace_days=grace_days,
            workers=workers,
            not_before=not_before,
        )
    return report


# Explain --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepExplanation:
    step_id: int
    order: int
    name: str
    action: str
    channel: str
    template_code: str
    trigger: str
    offset_days: int
    variant: str
    strategy_id: int
    anchor_date: dt.date | None
    fires_on: dt.date | None
    reason: str  # planner reason, or a skip reason, or "already planned"
    dedupe_key: str
    message_channel: str = ""
    address: str = ""
    decision: Decision | None = None
    send_after: dt.datetime | None = None


def explain(
    account: Account,
    *,
    as_of: dt.date,
    policy: Policy = real_policy,
    load_policy_inputs: PolicyLoader = real_policy_loader,
    grace_days: int = planner.DEFAULT_GRACE_DAYS,
) -> list[StepExplanation]:
    """Every step of the account's strategy on ``as_of``: does it fire, and why (not)."""
    creditor = account.creditor
    inputs = load_inputs(creditor, as_of, account_id=account.pk, grace_days=grace_days)
    evaluated = planner.explain(
        inputs.accounts, inputs.strategies, inputs.steps, inputs.variants, as_of, inputs.settings
    )
    steps = {step.step_id: step for step in inputs.steps}
    with customer_ids_table(pl.Series([account.customer_id])) as table:
        customers = load_customers(table)
        contact_points = load_contact_points(table)
    evaluated = first_moments(evaluated, customers, as_of)
    done = set(existing_keys(evaluated["dedupe_key"].drop_nulls()).to_list())
    firing = evaluated.filter(
        (pl.col("reason") == planner.FIRES)
        & ~pl.col("action").is_in(list(TASK_KINDS))
        & ~pl.col("dedupe_key").is_in(list(done))
    )
    chosen, left_out = choose_channels(
        firing,
        customers,
        contact_points,
        load_templates(creditor),
    )
    by_key = {row["dedupe_key"]: row for row in chosen.iter_rows(named=True)}
    skipped = dict(left_out.select("dedupe_key", "skip_reason").iter_rows())
    policy_inputs = (
        load_policy_inputs([account.customer_id], at=end_of_day_utc(creditor, as_of))
        if by_key
        else {}
    )
    explanations = []
    for row in evaluated.iter_rows(named=True):
        step = steps[row["step_id"]]
        key = row["dedupe_key"] or ""
        reason = row["reason"]
        extra: dict[str, Any] = {}
        if reason == planner.FIRES and key in done:
            reason = SKIP_ALREADY_PLANNED
        elif key in skipped:
            reason = skipped[key]
        elif key in by_key:
            proposal = by_key[key]
            outcome = ask_policy(
                policy_inputs[account.customer_id],
                channel=proposal["message_channel"],
                at=proposal["at"],
                policy=policy,
                account=account.pk,
                contact_point=proposal["contact_point_id"],
            )
            extra = {
                "message_channel": proposal["message_channel"],
                "address": proposal["address"],
                "decision": outcome.decision,
                "send_after": outcome.at,
            }
        explanations.append(
            StepExplanation(
                step_id=step.step_id,
                order=step.order,
                name=step.name,
                action=step.action,
                channel=step.channel,
                template_code=step.template_code,
                trigger=step.trigger,
                offset_days=step.offset_days,
                variant=row["variant"],
                strategy_id=row["strategy_id"],
                anchor_date=row["anchor_date"],
                fires_on=row["fires_on"],
                reason=reason,
                dedupe_key=key,
                **extra,
            )
        )
    return explanations


# --- words for people: why a step does not fire, what its conditions ask -------------------

REASONS = {
    planner.FIRES: gettext_lazy("fires today"),
    planner.NOT_TERMINAL: gettext_lazy("the account is paid, written off or closed"),
    planner.WAIT: gettext_lazy("a wait step sends nothing"),
    planner.NO_ANCHOR: gettext_lazy("no due date to count from"),
    planner.NOT_YET: gettext_lazy("not yet"),
    planner.PASSED: gettext_lazy("its day has passed"),
    planner.WRONG_STAGE: gettext_lazy("the account is in another stage"),
    planner.PROMISE: gettext_lazy("a promise to pay or a payment plan is in force"),
    planner.REPLIED: gettext_lazy("the customer replied after the last step"),
    planner.SCORE_LOW: gettext_lazy("score below the step's minimum"),
    planner.SCORE_HIGH: gettext_lazy("score above the step's maximum"),
    planner.DPD_LOW: gettext_lazy("fewer days past due than the step's minimum"),
    planner.DPD_HIGH: gettext_lazy("more days past due than the step's maximum"),
    planner.SUPERSEDED: gettext_lazy("a later step goes instead today"),
    SKIP_NO_CONTACT_POINT: gettext_lazy("no contact point"),
    SKIP_NO_TEMPLATE: gettext_lazy("no approved template"),
    SKIP_NO_CHANNEL: gettext_lazy("no channel for the step"),
    SKIP_ALREADY_PLANNED: gettext_lazy("already planned"),
}


def reason_label(code: str) -> str:
    """Why a step does not fire (``planner`` reasons, ``SKIP_*``), in the active language; an
    unknown code as it is."""
    return str(REASONS.get(code, code))


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(formats.localize(value))


def _range(low: Any, high: Any, *, both: str, low_only: str, high_only: str) -> str:
    if low is not None and high is not None:
        return both % {"low": _number(low), "high": _number(high)}
    if low is not None:
        return low_only % {"low": _number(low)}
    return high_only % {"high": _number(high)}


def describe_conditions(conditions: Mapping[str, Any] | None) -> list[str]:
    """A step's ``conditions`` (``planner.CONDITIONS``) in words, one phrase per condition, in
    the active language: ``{"min_days_past_due": 31, "max_days_past_due": 60}`` is
    ["days past due from 31 to 60"]. A condition that asks nothing (false, empty) says nothing;
    an unknown one is shown as ``name: value``."""
    data = dict(conditions or {})
    phrases = []
    if data.get("no_active_promise") is True:
        phrases.append(_("no promise to pay or payment plan in force"))
    if data.get("no_reply_since_last_step") is True:
        phrases.append(_("no reply since the last step"))
    low, high = data.get("min_days_past_due"), data.get("max_days_past_due")
    if low is not None or high is not None:
        phrases.append(
            _range(
                low,
                high,
                both=_("days past due from %(low)s to %(high)s"),
                low_only=_("days past due from %(low)s"),
                high_only=_("days past due up to %(high)s"),
            )
        )
    low, high = data.get("score_min"), data.get("score_max")
    if low is not None or high is not None:
        phrases.append(
            _range(
                low,
                high,
                both=_("score from %(low)s to %(high)s"),
                low_only=_("score from %(low)s"),
                high_only=_("score up to %(high)s"),
            )
        )
    if data.get("stage"):
        stage = str(data["stage"])
        label = dict(Stage.choices).get(stage, stage)
        phrases.append(_("only in the %(stage)s stage") % {"stage": label})
    channels = data.get("channels")
    if channels:
        labels = dict(Channel.choices)
        names = channels if isinstance(channels, list | tuple) else [channels]
        phrases.append(
            _("channels %(channels)s (the customer's preferred one first)")
            % {"channels": ", ".join(str(labels.get(name, name)) for name in names)}
        )
    for name, value in data.items():
        if name not in planner.CONDITIONS:
            shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            phrases.append(f"{name}: {shown}")
    return phrases
