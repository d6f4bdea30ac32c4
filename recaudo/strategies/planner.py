"""The daily planner, pure Polars: accounts by strategy steps → proposed contacts.

Nothing here touches the database or the clock: ``planning.py`` loads the frames below, passes
``as_of`` and writes what comes out. A step fires for an account when

* the account is not in a terminal status, and its strategy (the experiment variant's, else the
  creditor's active strategy for its segment, else the one for every segment) holds the step;
* its date falls in ``[as_of - grace_days, as_of]``: for ``due_date`` steps the anchor is the
  oldest unpaid due date (offsets ≥ 0) or the next due date (offsets < 0), for ``stage_entry``
  steps the day the account entered ``stage``, for ``promise_broken`` steps the day the refresh
  marked its last promise broken; the date is anchor + offset. The grace catches up
  a day the plan did not run; the dedupe key ``plan:{account}:{step}:{anchor}`` keeps a step
  from firing twice for the same anchor;
* its conditions hold (``CONDITIONS``); ``wait`` steps never produce anything.

``evaluate_step`` keeps every row with the first reason it does not fire, which is what
``recaudo plan --explain`` prints; ``propose`` keeps only the rows that fire.
"""

import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

Schema = dict[str, pl.DataType | type[pl.DataType]]

TERMINAL_STATUSES = ("paid", "written_off", "closed")
# Account statuses that mean a promise or a plan is in force.
PROMISE_STATUSES = ("promise", "plan")
DEFAULT_GRACE_DAYS = 3

# One row per account, as of the last refresh.
ACCOUNTS: Schema = {
    "account_id": pl.Int64,
    "external_id": pl.String,
    "creditor_id": pl.Int64,
    "customer_id": pl.Int64,
    "segment": pl.String,
    "stage": pl.String,
    "stage_entered_on": pl.Date,
    "days_past_due": pl.Int64,
    "next_due_date": pl.Date,
    "oldest_unpaid_due_date": pl.Date,
    "score": pl.Float64,
    "status": pl.String,
    "balance_minor": pl.Int64,
    # An active promise to pay whose date has not passed (or a promise/plan status).
    "active_promise": pl.Boolean,
    # The last outbound message a strategy step sent to the account, and the customer's last
    # inbound message (both UTC); null when there is none.
    "last_step_at": pl.Datetime("us", "UTC"),
    "last_inbound_at": pl.Datetime("us", "UTC"),
    # The ``as_of`` of the account's last ``promise_broken`` event; null when none.
    "promise_broken_on": pl.Date,
}

STRATEGIES: Schema = {
    "strategy_id": pl.Int64,
    "creditor_id": pl.Int64,
    "segment": pl.String,  # empty: every segment
    "active": pl.Boolean,
}

STEPS: Schema = {
    "step_id": pl.Int64,
    "strategy_id": pl.Int64,
    "order": pl.Int64,
    "trigger": pl.String,
    "offset_days": pl.Int64,
    "stage": pl.String,
    "action": pl.String,
    "channel": pl.String,
    "template_code": pl.String,
}

# One row per variant of an experiment in force on ``as_of``.
VARIANTS: Schema = {
    "experiment_id": pl.Int64,
    "creditor_id": pl.Int64,
    "segment": pl.String,
    "variant": pl.String,
    "strategy_id": pl.Int64,
    "weight": pl.Int64,
}

ASSIGNMENTS: Schema = {
    "account_id": pl.Int64,
    "strategy_id": pl.Int64,
    "variant": pl.String,
}

PROPOSALS: Schema = {
    "account_id": pl.Int64,
    "external_id": pl.String,
    "creditor_id": pl.Int64,
    "customer_id": pl.Int64,
    "strategy_id": pl.Int64,
    "step_id": pl.Int64,
    "step_order": pl.Int64,
    "variant": pl.String,
    "action": pl.String,
    "channel": pl.String,
    "channels": pl.List(pl.String),
    "template_code": pl.String,
    "anchor_date": pl.Date,
    "fires_on": pl.Date,
    "dedupe_key": pl.String,
    "stage": pl.String,
    "days_past_due": pl.Int64,
    "balance_minor": pl.Int64,
    "score": pl.Float64,
    "reason": pl.String,
}

# The conditions a step may carry in ``Step.conditions`` and what they mean.
CONDITIONS = {
    "no_active_promise": "no promise to pay or payment plan in force",
    "no_reply_since_last_step": "the customer has not written since the last step was sent",
    "score_min": "score at least this (0-1)",
    "score_max": "score at most this (0-1)",
    "stage": "only while the account is in this stage (also Step.stage on due-date steps)",
    "min_days_past_due": "days past due at least this",
    "max_days_past_due": "days past due at most this",
    "channels": "channels the step may use, in order; the customer's preferred one goes first",
}

# Why a step does not fire, first that applies (``evaluate_step``'s ``reason``).
NOT_TERMINAL = "terminal_status"
NO_ANCHOR = "no_anchor_date"
NOT_YET = "not_due_yet"
PASSED = "window_passed"
WAIT = "wait_step"
WRONG_STAGE = "other_stage"
PROMISE = "active_promise"
REPLIED = "customer_replied"
SCORE_LOW = "score_below_min"
SCORE_HIGH = "score_above_max"
DPD_LOW = "days_past_due_below_min"
DPD_HIGH = "days_past_due_above_max"
SUPERSEDED = "superseded"
FIRES = "fires"
MESSAGE_ACTIONS = ("message", "letter")


@dataclass(frozen=True)
class StepConditions:
    no_active_promise: bool = False
    no_reply_since_last_step: bool = False
    score_min: float | None = None
    score_max: float | None = None
    stage: str = ""
    min_days_past_due: int | None = None
    max_days_past_due: int | None = None
    channels: tuple[str, ...] = ()

    @classmethod
    def parse(cls, conditions: Mapping[str, Any] | None) -> "StepConditions":
        data = dict(conditions or {})

        def number(name: str) -> float | None:
            value = data.get(name)
            return None if value is None or value == "" else float(value)

        def whole(name: str) -> int | None:
            value = data.get(name)
            return None if value is None or value == "" else int(value)

        return cls(
            no_active_promise=bool(data.get("no_active_promise", False)),
            no_reply_since_last_step=bool(data.get("no_reply_since_last_step", False)),
            score_min=number("score_min"),
            score_max=number("score_max"),
            stage=str(data.get("stage") or ""),
            min_days_past_due=whole("min_days_past_due"),
            max_days_past_due=whole("max_days_past_due"),
            channels=tuple(str(channel) for channel in data.get("channels") or ()),
        )


@dataclass(frozen=True)
class StepSpec:
    """One step as the planner sees it."""

    step_id: int
    strategy_id: int
    order: int
    trigger: str
    offset_days: int
    action: str
    name: str = ""
    channel: str = ""
    template_code: str = ""
    stage: str = ""
    conditions: StepConditions = field(default_factory=StepConditions)

    @property
    def channels(self) -> tuple[str, ...]:
        """The step's channel first, then the other channels its conditions allow."""
        ordered = [self.channel] if self.channel else []
        ordered += [channel for channel in self.conditions.channels if channel not in ordered]
        return tuple(ordered)


@dataclass(frozen=True)
class PlannerSettings:
    grace_days: int = DEFAULT_GRACE_DAYS
    # Days past due at which an account enters each stage, used as its stage entry date when
    # the timeline has no stage change for it (its first refresh records none).
    stage_from_days: Mapping[str, int] = field(
        default_factory=lambda: {"administrative": 1, "pre_legal": 61, "legal_handoff": 121}
    )


def stable_bucket(keys: pl.Series, salt: str, modulo: int) -> pl.Series:
    """``crc32(salt:key) % modulo`` per key: the same on every machine and Polars version."""
    prefix = f"{salt}:".encode()
    values = [
        zlib.crc32(prefix + key.encode()) % modulo if key is not None else 0
        for key in keys.to_list()
    ]
    return pl.Series(keys.name, values, dtype=pl.Int64)


def assign_strategies(
    accounts: pl.DataFrame, strategies: pl.DataFrame, variants: pl.DataFrame
) -> pl.DataFrame:
    """Each account's strategy and variant (``ASSIGNMENTS``); accounts without one are left out.

    An experiment on the account's segment splits its accounts over the variants by a stable
    hash of the external id (salted with the experiment id) in proportion to the weights;
    otherwise the creditor's active strategy for the segment (lowest id first), else its active
    strategy with an empty segment.
    """
    active = strategies.filter(pl.col("active")).sort("strategy_id")
    by_segment = active.filter(pl.col("segment") != "").unique(
        ["creditor_id", "segment"], keep="first", maintain_order=True
    )
    fallback = active.filter(pl.col("segment") == "").unique(
        ["creditor_id"], keep="first", maintain_order=True
    )
    base = (
        accounts.select("account_id", "external_id", "creditor_id", "segment")
        .join(
            by_segment.select("creditor_id", "segment", segment_strategy="strategy_id"),
            on=["creditor_id", "segment"],
            how="left",
        )
        .join(
            fallback.select("creditor_id", any_strategy="strategy_id"),
            on="creditor_id",
            how="left",
        )
        .with_columns(
            strategy_id=pl.coalesce("segment_strategy", "any_strategy"),
            variant=pl.lit("", dtype=pl.String),
        )
    )
    experimented = _experiment_split(base, variants)
    if experimented.height:
        base = base.join(
            experimented, on="account_id", how="left", suffix="_experiment"
        ).with_columns(
            strategy_id=pl.coalesce("strategy_id_experiment", "strategy_id"),
            variant=pl.coalesce("variant_experiment", "variant"),
        )
    return base.filter(pl.col("strategy_id").is_not_null()).select(*ASSIGNMENTS)


def _experiment_split(base: pl.DataFrame, variants: pl.DataFrame) -> pl.DataFrame:
    parts = []
    positive = variants.filter(pl.col("weight") > 0)
    for (experiment_id,), group in positive.group_by(["experiment_id"], maintain_order=True):
        group = group.sort("variant")
        creditor_id = group["creditor_id"][0]
        segment = group["segment"][0]
        members = base.filter(pl.col("creditor_id") == creditor_id)
        if segment:
            members = members.filter(pl.col("segment") == segment)
        if members.is_empty():
            continue
        total = int(group["weight"].sum())
        bounds = group.with_columns(upper=pl.col("weight").cum_sum()).select(
            "variant", "strategy_id", "upper"
        )
        hashed = members.select(
            "account_id",
            bucket=stable_bucket(members["external_id"], f"experiment-{experiment_id}", total),
        ).sort("bucket")
        # The first variant whose cumulative weight is above the bucket.
        chosen = hashed.join_asof(
            bounds.with_columns(pl.col("upper") - 1).sort("upper"),
            left_on="bucket",
            right_on="upper",
            strategy="forward",
        )
        parts.append(chosen.select("account_id", "strategy_id", "variant"))
    if not parts:
        return pl.DataFrame(schema=ASSIGNMENTS)
    # An account in two experiments (one on its segment, one on every segment) takes the first.
    return pl.concat(parts).unique("account_id", keep="first", maintain_order=True)


def _stage_entered_on(settings: PlannerSettings) -> pl.Expr:
    """The recorded stage entry date, else the day the days past due reached the stage's bound."""
    fallback = pl.lit(None, dtype=pl.Date)
    for stage, days in settings.stage_from_days.items():
        fallback = (
            pl.when(pl.col("stage") == stage)
            .then(pl.col("oldest_unpaid_due_date") + pl.duration(days=days))
            .otherwise(fallback)
        )
    return pl.coalesce(pl.col("stage_entered_on"), fallback)


def evaluate_step(
    accounts: pl.DataFrame,
    step: StepSpec,
    as_of: dt.date,
    settings: PlannerSettings | None = None,
    *,
    due_only: bool = False,
) -> pl.DataFrame:
    """Every account of ``accounts`` (all on the step's strategy) with the step evaluated:
    ``anchor_date``, ``fires_on``, and ``reason`` (``FIRES`` or the first reason it does not).
    ``due_only`` keeps only the accounts whose step date is in the window (the planner's case)."""
    settings = settings or PlannerSettings()
    conditions = step.conditions
    anchor: pl.Expr
    if step.trigger == "stage_entry":
        anchor = pl.when(pl.col("stage") == step.stage).then(_stage_entered_on(settings))
    elif step.trigger == "promise_broken":
        anchor = pl.col("promise_broken_on")
    elif step.offset_days < 0:
        anchor = pl.col("next_due_date")
    else:
        anchor = pl.col("oldest_unpaid_due_date")
    window_start = as_of - dt.timedelta(days=settings.grace_days)
    days_past_due = pl.max_horizontal(
        (pl.lit(as_of) - pl.col("oldest_unpaid_due_date")).dt.total_days().fill_null(0),
        pl.lit(0),
    )
    required_stage = conditions.stage or (step.stage if step.trigger != "stage_entry" else "")
    checks: list[tuple[pl.Expr, str]] = [
        (pl.col("status").is_in(TERMINAL_STATUSES), NOT_TERMINAL),
        (pl.lit(step.action == "wait"), WAIT),
    ]
    if step.trigger == "stage_entry":
        checks.append((pl.col("stage") != step.stage, WRONG_STAGE))
    checks += [
        (pl.col("anchor_date").is_null(), NO_ANCHOR),
        (pl.col("fires_on") > as_of, NOT_YET),
        (pl.col("fires_on") < window_start, PASSED),
    ]
    if required_stage:
        checks.append((pl.col("stage") != required_stage, WRONG_STAGE))
    if conditions.no_active_promise:
        checks.append((pl.col("active_promise").fill_null(False), PROMISE))
    if conditions.no_reply_since_last_step:
        # Nothing sent yet: nothing to reply to, the step fires (a null comparison passes).
        replied = pl.col("last_inbound_at") > pl.col("last_step_at")
        checks.append((replied, REPLIED))
    # An account not scored yet passes score bands (null comparisons pass) rather than
    # missing every banded step until the scoring catches up.
    if conditions.score_min is not None:
        checks.append((pl.col("score") < conditions.score_min, SCORE_LOW))
    if conditions.score_max is not None:
        checks.append((pl.col("score") > conditions.score_max, SCORE_HIGH))
    if conditions.min_days_past_due is not None:
        checks.append((pl.col("dpd_as_of") < conditions.min_days_past_due, DPD_LOW))
    if conditions.max_days_past_due is not None:
        checks.append((pl.col("dpd_as_of") > conditions.max_days_past_due, DPD_HIGH))
    reason = pl.lit(FIRES)
    for failed, code in reversed(checks):
        reason = pl.when(failed.fill_null(False)).then(pl.lit(code)).otherwise(reason)
    dated = accounts.with_columns(anchor_date=anchor).with_columns(
        fires_on=pl.col("anchor_date") + pl.duration(days=step.offset_days)
    )
    if due_only:
        # Most accounts are not due for a given step: drop them before the conditions.
        dated = dated.filter(pl.col("fires_on").is_between(window_start, as_of))
    return (
        dated.with_columns(dpd_as_of=days_past_due)
        .with_columns(reason=reason)
        .with_columns(
            step_id=pl.lit(step.step_id, dtype=pl.Int64),
            step_order=pl.lit(step.order, dtype=pl.Int64),
            action=pl.lit(step.action),
            channel=pl.lit(step.channel),
            channels=pl.lit(list(step.channels), dtype=pl.List(pl.String)),
            template_code=pl.lit(step.template_code),
            dedupe_key=pl.format(
                "plan:{}:{}:{}", pl.col("account_id"), pl.lit(step.step_id), pl.col("anchor_date")
            ),
        )
    )


def _candidates(
    accounts: pl.DataFrame,
    assignments: pl.DataFrame,
    steps: list[StepSpec],
    as_of: dt.date,
    settings: PlannerSettings,
    *,
    keep_all: bool,
    supersede_messages: bool = True,
) -> pl.DataFrame:
    assigned = accounts.join(assignments, on="account_id", how="inner")
    if not keep_all:
        # Terminal accounts never fire: drop them before the per-step passes.
        assigned = assigned.filter(~pl.col("status").is_in(TERMINAL_STATUSES))
    parts = []
    for strategy_id, strategy_steps in _by_strategy(steps).items():
        members = assigned.filter(pl.col("strategy_id") == strategy_id)
        if members.is_empty():
            continue
        for step in strategy_steps:
            evaluated = evaluate_step(members, step, as_of, settings, due_only=not keep_all)
            if not keep_all:
                evaluated = evaluated.filter(pl.col("reason") == FIRES)
            parts.append(evaluated.select(*PROPOSALS))
    if not parts:
        return pl.DataFrame(schema=PROPOSALS)
    evaluated = pl.concat(parts)
    if supersede_messages:
        evaluated = supersede(evaluated)
    if not keep_all:
        evaluated = evaluated.filter(pl.col("reason") == FIRES)
    return evaluated.sort("account_id", "step_order")


def supersede(evaluated: pl.DataFrame) -> pl.DataFrame:
    """Of the message steps firing for one account on one run, only the latest goes.

    When the grace window catches up several steps at once (a first plan, a missed day), the
    customer gets the most recent message, not a burst: the others are ``superseded`` and their
    window passes without them. Tasks are never superseded.
    """
    is_message = (pl.col("reason") == FIRES) & pl.col("action").is_in(MESSAGE_ACTIONS)
    latest = (
        evaluated.filter(is_message)
        .sort("fires_on", "step_order", descending=True)
        .unique("account_id", keep="first")
        .select("account_id", latest_step="step_id")
    )
    return (
        evaluated.join(latest, on="account_id", how="left")
        .with_columns(
            reason=pl.when(is_message & (pl.col("step_id") != pl.col("latest_step")))
            .then(pl.lit(SUPERSEDED))
            .otherwise(pl.col("reason"))
        )
        .drop("latest_step")
    )


def _by_strategy(steps: list[StepSpec]) -> dict[int, list[StepSpec]]:
    grouped: dict[int, list[StepSpec]] = {}
    for step in sorted(steps, key=lambda step: (step.strategy_id, step.order)):
        grouped.setdefault(step.strategy_id, []).append(step)
    return grouped


def propose(
    accounts: pl.DataFrame,
    strategies: pl.DataFrame,
    steps: list[StepSpec],
    variants: pl.DataFrame,
    as_of: dt.date,
    settings: PlannerSettings | None = None,
) -> pl.DataFrame:
    """The steps that fire on ``as_of`` (``PROPOSALS``, reason ``fires``), one row per account
    and step, ordered by account and step order, before ``supersede`` (planning applies it
    once it knows which messages can go: with a channel, a template, or planned already)."""
    settings = settings or PlannerSettings()
    assignments = assign_strategies(accounts, strategies, variants)
    return _candidates(
        accounts, assignments, steps, as_of, settings, keep_all=False, supersede_messages=False
    )


def explain(
    accounts: pl.DataFrame,
    strategies: pl.DataFrame,
    steps: list[StepSpec],
    variants: pl.DataFrame,
    as_of: dt.date,
    settings: PlannerSettings | None = None,
) -> pl.DataFrame:
    """Like ``propose`` but every step of each account's strategy, with its ``reason``."""
    settings = settings or PlannerSettings()
    assignments = assign_strategies(accounts, strategies, variants)
    return _candidates(accounts, assignments, steps, as_of, settings, keep_all=True)


def empty(schema: Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
