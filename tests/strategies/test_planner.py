"""The pure planner: which steps fire on a date, and why the others do not."""

import datetime as dt
from typing import Any

import polars as pl
import pytest

from recaudo.strategies import planner
from recaudo.strategies.planner import StepConditions, StepSpec

AS_OF = dt.date(2026, 3, 10)


def accounts(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults: dict[str, Any] = {
        "external_id": None,
        "creditor_id": 1,
        "customer_id": None,
        "segment": "general",
        "stage": "administrative",
        "stage_entered_on": None,
        "days_past_due": 0,
        "next_due_date": None,
        "oldest_unpaid_due_date": None,
        "score": 0.5,
        "status": "active",
        "balance_minor": 100_000,
        "active_promise": False,
        "last_step_at": None,
        "last_inbound_at": None,
        "promise_broken_on": None,
    }
    filled = []
    for number, row in enumerate(rows, start=1):
        account_id = row.get("account_id", number)
        filled.append(
            defaults
            | {"account_id": account_id, "external_id": f"A{account_id}", "customer_id": account_id}
            | row
        )
    return pl.DataFrame(filled, schema=planner.ACCOUNTS)


def strategies(*rows: tuple[int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"strategy_id": pk, "creditor_id": 1, "segment": segment, "active": True}
            for pk, segment in rows
        ],
        schema=planner.STRATEGIES,
    )


NO_VARIANTS = pl.DataFrame(schema=planner.VARIANTS)


def step(offset: int, **fields: Any) -> StepSpec:
    defaults: dict[str, Any] = {
        "step_id": 100 + offset,
        "strategy_id": 1,
        "order": 100 + offset,
        "trigger": "due_date",
        "offset_days": offset,
        "action": "message",
        "channel": "sms",
        "template_code": "payment-link",
    }
    return StepSpec(**(defaults | fields))


def fired(frame: pl.DataFrame, steps: list[StepSpec], as_of: dt.date = AS_OF) -> list[Any]:
    proposals = planner.propose(frame, strategies((1, "")), steps, NO_VARIANTS, as_of)
    return proposals.select("account_id", "step_id").rows()


def reason(row: dict[str, Any], spec: StepSpec, as_of: dt.date = AS_OF) -> str:
    explained = planner.explain(accounts(row), strategies((1, "")), [spec], NO_VARIANTS, as_of)
    return str(explained["reason"][0])


@pytest.mark.parametrize(
    ("oldest_unpaid", "offset", "expected"),
    [
        # past-due steps: oldest unpaid due date + offset within [as_of - 3, as_of]
        (dt.date(2026, 3, 7), 3, planner.FIRES),
        (dt.date(2026, 3, 4), 3, planner.FIRES),  # three days late: caught up
        (dt.date(2026, 3, 3), 3, planner.PASSED),  # four days late: too old
        (dt.date(2026, 3, 8), 3, planner.NOT_YET),
        (dt.date(2026, 3, 10), 0, planner.FIRES),  # due today
        (None, 3, planner.NO_ANCHOR),
    ],
)
def test_due_date_steps_fire_inside_the_grace_window(
    oldest_unpaid: dt.date | None, offset: int, expected: str
) -> None:
    row = {"oldest_unpaid_due_date": oldest_unpaid}
    assert reason(row, step(offset)) == expected


@pytest.mark.parametrize(
    ("next_due", "expected"),
    [
        (dt.date(2026, 3, 13), planner.FIRES),
        (dt.date(2026, 3, 14), planner.NOT_YET),
        (dt.date(2026, 3, 9), planner.PASSED),
    ],
)
def test_steps_before_the_due_date_anchor_on_the_next_due_date(
    next_due: dt.date, expected: str
) -> None:
    row = {"next_due_date": next_due, "oldest_unpaid_due_date": dt.date(2026, 1, 1)}
    assert reason(row, step(-3)) == expected


def test_the_dedupe_key_is_the_same_on_every_day_of_the_grace_window() -> None:
    frame = accounts({"oldest_unpaid_due_date": dt.date(2026, 3, 7)})
    keys = {
        planner.propose(frame, strategies((1, "")), [step(3)], NO_VARIANTS, day)["dedupe_key"][0]
        for day in (AS_OF, AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=3))
    }
    assert keys == {"plan:1:103:2026-03-07"}
    assert fired(frame, [step(3)], AS_OF + dt.timedelta(days=4)) == []


def test_stage_entry_steps_count_from_the_day_the_account_entered_the_stage() -> None:
    spec = step(5, trigger="stage_entry", stage="pre_legal")
    entered = {"stage": "pre_legal", "stage_entered_on": dt.date(2026, 3, 5)}
    assert reason(entered, spec) == planner.FIRES
    assert reason(entered | {"stage": "administrative"}, spec) == planner.WRONG_STAGE
    # No stage change recorded: the day the days past due reached the stage's bound (61).
    derived = {"stage": "pre_legal", "oldest_unpaid_due_date": dt.date(2026, 1, 3)}
    assert reason(derived, spec) == planner.FIRES  # 3 Jan + 61 = 5 Mar, + 5 = 10 Mar


@pytest.mark.parametrize(
    ("broken_on", "active_promise", "expected"),
    [
        (dt.date(2026, 3, 9), False, planner.FIRES),  # broken yesterday: the day after
        (dt.date(2026, 3, 6), False, planner.FIRES),  # caught up inside the grace window
        (dt.date(2026, 3, 5), False, planner.PASSED),
        (dt.date(2026, 3, 10), False, planner.NOT_YET),
        (None, False, planner.NO_ANCHOR),
        (dt.date(2026, 3, 9), True, planner.PROMISE),  # a new promise since: nothing to say
    ],
)
def test_promise_broken_steps_count_from_the_day_the_promise_was_broken(
    broken_on: dt.date | None, active_promise: bool, expected: str
) -> None:
    spec = step(
        1,
        trigger="promise_broken",
        template_code="promise-broken",
        conditions=StepConditions(no_active_promise=True),
    )
    row = {
        "promise_broken_on": broken_on,
        "active_promise": active_promise,
        "oldest_unpaid_due_date": dt.date(2026, 1, 1),
    }
    assert reason(row, spec) == expected


def test_a_broken_promise_follow_up_supersedes_dunning_and_fires_once_per_promise() -> None:
    frame = accounts(
        {"oldest_unpaid_due_date": dt.date(2026, 3, 7), "promise_broken_on": dt.date(2026, 3, 9)}
    )
    dunning = step(3, order=30)
    follow_up = step(1, step_id=500, order=110, trigger="promise_broken")
    proposals = planner.propose(
        frame, strategies((1, "")), [dunning, follow_up], NO_VARIANTS, AS_OF
    )
    latest = planner.supersede(proposals).filter(pl.col("reason") == planner.FIRES)
    assert latest["step_id"].to_list() == [500]
    assert latest["dedupe_key"].to_list() == ["plan:1:500:2026-03-09"]


@pytest.mark.parametrize(
    ("row", "conditions", "stage", "expected"),
    [
        ({"active_promise": True}, {"no_active_promise": True}, "", planner.PROMISE),
        ({"active_promise": True}, {}, "", planner.FIRES),
        ({"score": 0.1}, {"score_min": 0.2}, "", planner.SCORE_LOW),
        ({"score": 0.9}, {"score_max": 0.8}, "", planner.SCORE_HIGH),
        ({"score": 0.5}, {"score_min": 0.2, "score_max": 0.8}, "", planner.FIRES),
        ({"score": None}, {"score_min": 0.2, "score_max": 0.8}, "", planner.FIRES),
        ({"stage": "administrative"}, {}, "pre_legal", planner.WRONG_STAGE),
        ({"stage": "pre_legal"}, {}, "pre_legal", planner.FIRES),
        ({}, {"stage": "pre_legal"}, "", planner.WRONG_STAGE),
        ({}, {"max_days_past_due": 0}, "", planner.DPD_HIGH),
        ({}, {"min_days_past_due": 30}, "", planner.DPD_LOW),
        (
            {
                "last_step_at": dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC),
                "last_inbound_at": dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
            },
            {"no_reply_since_last_step": True},
            "",
            planner.REPLIED,
        ),
        (
            {
                "last_step_at": dt.datetime(2026, 3, 3, 15, tzinfo=dt.UTC),
                "last_inbound_at": dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
            },
            {"no_reply_since_last_step": True},
            "",
            planner.FIRES,
        ),
        ({}, {"no_reply_since_last_step": True}, "", planner.FIRES),  # nothing sent yet
        ({"status": "paid"}, {}, "", planner.NOT_TERMINAL),
        ({"status": "written_off"}, {}, "", planner.NOT_TERMINAL),
    ],
)
def test_conditions(
    row: dict[str, Any], conditions: dict[str, Any], stage: str, expected: str
) -> None:
    row = {"oldest_unpaid_due_date": dt.date(2026, 3, 7)} | row
    spec = step(3, stage=stage, conditions=StepConditions.parse(conditions))
    assert reason(row, spec) == expected


def test_wait_steps_and_terminal_accounts_produce_nothing() -> None:
    frame = accounts(
        {"oldest_unpaid_due_date": dt.date(2026, 3, 7)},
        {"oldest_unpaid_due_date": dt.date(2026, 3, 7), "status": "closed"},
    )
    assert fired(frame, [step(3), step(3, step_id=7, order=7, action="wait")]) == [(1, 103)]


def test_the_segment_strategy_wins_over_the_one_for_every_segment() -> None:
    frame = accounts(
        {"segment": "vip", "oldest_unpaid_due_date": dt.date(2026, 3, 7)},
        {"segment": "general", "oldest_unpaid_due_date": dt.date(2026, 3, 7)},
        {"segment": "other", "creditor_id": 2, "oldest_unpaid_due_date": dt.date(2026, 3, 7)},
    )
    steps = [step(3, strategy_id=1, step_id=1), step(3, strategy_id=2, step_id=2)]
    proposals = planner.propose(frame, strategies((1, ""), (2, "vip")), steps, NO_VARIANTS, AS_OF)
    assert proposals.select("account_id", "strategy_id").rows() == [(1, 2), (2, 1)]


def test_the_experiment_split_is_stable_and_follows_the_weights() -> None:
    count = 10_000
    frame = accounts(*({"account_id": n, "segment": "general"} for n in range(1, count + 1)))
    variants = pl.DataFrame(
        [
            {
                "experiment_id": 9,
                "creditor_id": 1,
                "segment": "general",
                "variant": name,
                "strategy_id": strategy,
                "weight": weight,
            }
            for name, strategy, weight in (("champion", 1, 80), ("challenger", 2, 20))
        ],
        schema=planner.VARIANTS,
    )
    assigned = planner.assign_strategies(frame, strategies((1, ""), (2, "x")), variants)
    shares = assigned.group_by("variant").len().sort("variant")
    counted = dict(shares.rows())
    assert set(counted) == {"champion", "challenger"}
    assert abs(counted["challenger"] / count - 0.20) < 0.02
    assert assigned.filter(pl.col("variant") == "challenger")["strategy_id"].unique().to_list() == [
        2
    ]
    again = planner.assign_strategies(frame.reverse(), strategies((1, ""), (2, "x")), variants)
    assert again.sort("account_id").equals(assigned.sort("account_id"))
    # The hash is a documented function (CRC32), not Polars' own: these never change.
    assert planner.stable_bucket(pl.Series(["A1", "A2", "A3"]), "experiment-9", 100).to_list() == [
        49,
        23,
        45,
    ]


def test_proposals_carry_strategy_step_variant_and_key() -> None:
    frame = accounts({"oldest_unpaid_due_date": dt.date(2026, 3, 7)})
    proposals = planner.propose(frame, strategies((1, "")), [step(3)], NO_VARIANTS, AS_OF)
    row = proposals.row(0, named=True)
    assert row["strategy_id"] == 1
    assert row["step_id"] == 103
    assert row["variant"] == ""
    assert row["anchor_date"] == dt.date(2026, 3, 7)
    assert row["fires_on"] == AS_OF
    assert row["dedupe_key"] == "plan:1:103:2026-03-07"
    assert row["channels"] == ["sms"]


def test_a_catch_up_sends_only_the_latest_message_step() -> None:
    frame = accounts({"oldest_unpaid_due_date": dt.date(2026, 3, 7)})
    steps = [step(0), step(3), step(3, step_id=5, order=5, action="call_task")]
    assert fired(frame, steps) == [(1, 5), (1, 100), (1, 103)]
    proposals = planner.propose(frame, strategies((1, "")), steps, NO_VARIANTS, AS_OF)
    latest = planner.supersede(proposals).filter(pl.col("reason") == planner.FIRES)
    assert latest.select("account_id", "step_id").sort("step_id").rows() == [(1, 5), (1, 103)]
    explained = planner.explain(frame, strategies((1, "")), steps, NO_VARIANTS, AS_OF)
    assert explained.select("step_id", "reason").rows() == [
        (5, planner.FIRES),
        (100, planner.SUPERSEDED),
        (103, planner.FIRES),
    ]
