"""The actions and reads behind the strategists' editors: segment rules, steps, experiments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from recaudo.analytics.models import DailyMetric
from recaudo.channels.models import Message
from recaudo.debts.models import Promise
from recaudo.portfolio.actions import (
    move_segment_rule,
    ordered_rules,
    save_segment_rule,
    set_segment_rule_active,
)
from recaudo.strategies.actions import (
    create_experiment,
    move_step,
    remove_step,
    save_step,
    stop_experiment,
)
from recaudo.strategies.models import Strategy, TemplateStatus
from recaudo.strategies.queries import (
    experiment_results,
    latest_templates,
    sample_too_small,
    two_proportion_p_value,
)
from tests.factories import make_account, make_creditor, make_customer, make_payment
from tests.strategies.template_factories import make_template

pytestmark = pytest.mark.django_db


# --- segment rules --------------------------------------------------------------------------


def test_a_new_rule_goes_last_and_reports_what_it_set() -> None:
    creditor = make_creditor()
    first, _changes = save_segment_rule(creditor, segment="vip", customer_types=["vip"])
    second, changes = save_segment_rule(creditor, segment="late", min_days_past_due=31)

    assert second.position > first.position
    assert changes["segment"] == [None, "late"]
    assert changes["min_days_past_due"] == [None, 31]


def test_an_edit_reports_only_what_changed_and_the_same_values_change_nothing() -> None:
    creditor = make_creditor()
    rule, _changes = save_segment_rule(creditor, segment="large", min_balance=Decimal("1000"))

    _rule, changes = save_segment_rule(creditor, rule=rule, min_balance=Decimal("2000"))
    assert changes == {"min_balance": ["1000", "2000"]}
    _rule, changes = save_segment_rule(creditor, rule=rule, min_balance=Decimal("2000"))
    assert changes == {}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"min_balance": Decimal(500), "max_balance": Decimal(100)}, "max_balance", "below"),
        ({"min_days_past_due": 90, "max_days_past_due": 30}, "max_days_past_due", "swap"),
        ({"min_tenure_months": 12, "max_tenure_months": 6}, "max_tenure_months", "swap"),
        ({"min_score": 1.5}, "min_score", "between 0 and 1"),
        ({"segment": "  "}, "segment", "Name the segment"),
        ({"stages": ["nowhere"]}, "stages", "nowhere"),
        ({"min_balance": Decimal(-1)}, "min_balance", "negative"),
    ],
)
def test_invalid_rules_are_refused_with_the_field_and_how_to_fix_it(
    fields: dict, field: str, words: str, settings
) -> None:  # type: ignore[no-untyped-def,type-arg]
    settings.LANGUAGE_CODE = "en"
    creditor = make_creditor()
    with pytest.raises(ValidationError) as refused:
        save_segment_rule(creditor, **({"segment": "x"} | fields))
    assert field in refused.value.message_dict
    assert words in " ".join(refused.value.message_dict[field])
    assert not creditor.segment_rules.exists()


def test_moving_a_rule_renumbers_and_a_repeated_move_changes_nothing() -> None:
    creditor = make_creditor()
    a, _ = save_segment_rule(creditor, segment="a")
    b, _ = save_segment_rule(creditor, segment="b")
    c, _ = save_segment_rule(creditor, segment="c")

    assert move_segment_rule(c, to_index=0) == {"position": [3, 1]}
    assert [rule.segment for rule in ordered_rules(creditor)] == ["c", "a", "b"]
    assert move_segment_rule(c, to_index=0) == {}
    assert [rule.position for rule in ordered_rules(creditor)] == [1, 2, 3]
    del a, b


def test_deactivating_twice_changes_once() -> None:
    rule, _ = save_segment_rule(make_creditor(), segment="a")
    assert set_segment_rule_active(rule, active=False) == {"active": [True, False]}
    assert set_segment_rule_active(rule, active=False) == {}


# --- steps ----------------------------------------------------------------------------------


@pytest.fixture
def strategy() -> Strategy:
    creditor = make_creditor()
    make_template(creditor, code="reminder", channel="sms", status=TemplateStatus.APPROVED)
    make_template(creditor, code="draft-only", channel="sms")
    return Strategy.objects.create(creditor=creditor, name="Base")


def _message(**fields):  # type: ignore[no-untyped-def]
    return {
        "name": "Reminder",
        "trigger": "due_date",
        "offset_days": -3,
        "action": "message",
        "channel": "sms",
        "template_code": "reminder",
        "conditions": {"no_active_promise": True},
    } | fields


def test_a_step_naming_an_approved_template_is_added_at_the_end(strategy: Strategy) -> None:
    first, _ = save_step(strategy, **_message())
    second, changes = save_step(strategy, **_message(name="Again", offset_days=3))

    assert (first.order, second.order) == (10, 20)
    assert changes["name"] == [None, "Again"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"template_code": "draft-only"}, "template_code", "no approved template"),
        ({"template_code": "missing"}, "template_code", "no approved template"),
        ({"channel": "whatsapp"}, "template_code", "no approved template"),
        ({"template_code": ""}, "template_code", "needs a template"),
        ({"channel": ""}, "channel", "needs a channel"),
        ({"trigger": "stage_entry", "stage": ""}, "stage", "needs the stage"),
        ({"conditions": {"colour": "red"}}, "conditions", "Unknown conditions colour"),
        ({"conditions": {"score_min": 2}}, "conditions", "from 0 to 1"),
        ({"conditions": {"score_min": 0.8, "score_max": 0.2}}, "conditions", "swap"),
        ({"conditions": {"no_active_promise": "yes"}}, "conditions", "true or false"),
        ({"conditions": {"channels": ["pigeon"]}}, "conditions", "channels"),
        ({"conditions": ["no_active_promise"]}, "conditions", "JSON object"),
        ({"name": " "}, "name", "name"),
    ],
)
def test_invalid_steps_are_refused_with_a_clear_error(
    strategy: Strategy, fields: dict, field: str, words: str, settings
) -> None:  # type: ignore[no-untyped-def,type-arg]
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(ValidationError) as refused:
        save_step(strategy, **_message(**fields))
    assert words in " ".join(refused.value.message_dict[field])
    assert not strategy.steps.exists()


def test_a_task_step_needs_no_template(strategy: Strategy) -> None:
    step, _ = save_step(
        strategy, **_message(action="call_task", channel="", template_code="", conditions={})
    )
    assert step.pk is not None


def test_steps_move_and_are_removed_keeping_the_orders_unique(strategy: Strategy) -> None:
    one, _ = save_step(strategy, **_message(name="one"))
    two, _ = save_step(strategy, **_message(name="two"))
    three, _ = save_step(strategy, **_message(name="three"))

    assert move_step(three, to_index=0) == {"position": [3, 1]}
    assert list(strategy.steps.order_by("order").values_list("name", "order")) == [
        ("three", 10),
        ("one", 20),
        ("two", 30),
    ]
    assert remove_step(one)["removed"][0]["name"] == "one"
    assert remove_step(one) == {}
    assert list(strategy.steps.order_by("order").values_list("name", flat=True)) == [
        "three",
        "two",
    ]
    del two


# --- templates ------------------------------------------------------------------------------


def test_the_template_list_shows_the_latest_version_and_the_one_sending() -> None:
    creditor = make_creditor()
    make_template(creditor, code="a", channel="sms", version=1, status=TemplateStatus.APPROVED)
    make_template(creditor, code="a", channel="sms", version=2)
    make_template(creditor, code="a", channel="email", version=1)

    rows = [(t.code, t.channel, t.version, t.approved_version) for t in latest_templates(creditor)]
    assert rows == [("a", "email", 1, None), ("a", "sms", 2, 1)]


# --- experiments ----------------------------------------------------------------------------


def test_the_two_proportion_z_test_matches_the_textbook_value() -> None:
    # 30/100 against 45/100: z = 2.1909, two-sided p = 0.02846 (e.g. statsmodels'
    # proportions_ztest gives the same).
    assert two_proportion_p_value(30, 100, 45, 100) == pytest.approx(0.028460, abs=1e-6)
    assert two_proportion_p_value(45, 100, 30, 100) == pytest.approx(0.028460, abs=1e-6)
    assert two_proportion_p_value(50, 100, 50, 100) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("counts", "small"),
    [
        ((3, 20, 5, 20), True),  # fewer than 30 accounts in an arm
        ((1, 100, 2, 100), True),  # fewer than 5 expected payers
        ((98, 100, 99, 100), True),  # fewer than 5 expected non-payers
        ((30, 100, 45, 100), False),
    ],
)
def test_a_small_sample_gets_no_p_value(counts: tuple[int, int, int, int], small: bool) -> None:
    assert sample_too_small(*counts) is small
    assert (two_proportion_p_value(*counts) is None) is small


def _experiment_setup():  # type: ignore[no-untyped-def]
    creditor = make_creditor()
    champion = Strategy.objects.create(creditor=creditor, name="Champion")
    challenger = Strategy.objects.create(creditor=creditor, name="Challenger")
    experiment = create_experiment(
        creditor,
        name="SMS vs WhatsApp",
        segment="general",
        started_on=dt.date(2026, 1, 1),
        variants=[("champion", champion, 50), ("challenger", challenger, 50)],
    )
    customer = make_customer(creditor)
    accounts = [make_account(customer, segment="general", balance=Decimal(900)) for _ in range(80)]
    make_account(customer, segment="other", balance=Decimal(900))
    return creditor, experiment, accounts


def test_experiment_results_count_each_variant_and_compare_it_with_the_champion() -> None:
    creditor, experiment, accounts = _experiment_setup()
    results = experiment_results(experiment, as_of=dt.date(2026, 1, 31))
    by_name = {variant.name: variant for variant in results.variants}
    assert sum(v.assigned for v in results.variants) == 80
    assert by_name["champion"].assigned > 10 and by_name["challenger"].assigned > 10

    # Pay 10 accounts, two of them twice; a payment before the start does not count.
    import polars as pl

    from recaudo.strategies import planner  # the planner's split, to know who is where

    frame = pl.DataFrame(
        {
            "account_id": [a.pk for a in accounts],
            "external_id": [a.external_id for a in accounts],
            "creditor_id": [creditor.pk] * 80,
            "segment": ["general"] * 80,
        }
    )
    variants = pl.DataFrame(
        [
            {
                "experiment_id": experiment.pk,
                "creditor_id": creditor.pk,
                "segment": "general",
                "variant": v.name,
                "strategy_id": v.strategy_id,
                "weight": v.weight,
            }
            for v in experiment.variants.all()
        ],
        schema=planner.VARIANTS,
    )
    split = planner.assign_strategies(frame, planner.empty(planner.STRATEGIES), variants)
    variant_of = dict(zip(split["account_id"], split["variant"], strict=True))
    payers = accounts[:10]
    when = timezone.make_aware(dt.datetime(2026, 1, 10, 12))
    for account in payers:
        make_payment(account, amount=Decimal(100), paid_at=when)
    for account in payers[:2]:
        make_payment(account, amount=Decimal(50), paid_at=when)
    make_payment(
        accounts[20], amount=Decimal(100), paid_at=timezone.make_aware(dt.datetime(2025, 12, 1))
    )
    Promise.objects.create(
        account=accounts[30], amount=Decimal(10), promised_date=dt.date(2026, 1, 20), actor="agent"
    )
    Message.objects.create(
        creditor=creditor,
        customer=customer_of(accounts[40]),
        account=accounts[40],
        direction="outbound",
        channel="sms",
        address="+573001112233",
        status="delivered",
        strategy_id=next(
            v.strategy_id
            for v in experiment.variants.all()
            if v.name == variant_of[accounts[40].pk]
        ),
        variant=variant_of[accounts[40].pk],
    )

    Promise.objects.update(created_at=when)
    Message.objects.update(created_at=when)

    results = experiment_results(experiment, as_of=dt.date(2026, 1, 31))
    by_name = {variant.name: variant for variant in results.variants}
    for name, result in by_name.items():
        mine = [a for a in payers if variant_of[a.pk] == name]
        twice = [a for a in payers[:2] if variant_of[a.pk] == name]
        assert result.paid_accounts == len(mine)
        assert result.payments == len(mine) + len(twice)
        assert result.amount == Decimal(100) * len(mine) + Decimal(50) * len(twice)
        assert result.recovery_rate == pytest.approx(
            float(result.amount / (Decimal(900) * result.assigned + result.amount))
        )
        assert result.promises == (1 if variant_of[accounts[30].pk] == name else 0)
        assert result.contacted == (1 if variant_of[accounts[40].pk] == name else 0)
    champion, challenger = by_name["champion"], by_name["challenger"]
    assert champion.champion and not challenger.champion
    expected = two_proportion_p_value(
        champion.paid_accounts, champion.assigned, challenger.paid_accounts, challenger.assigned
    )
    assert challenger.p_value == expected
    assert challenger.small_sample is (expected is None)


def customer_of(account):  # type: ignore[no-untyped-def]
    return account.customer


def test_experiment_payments_are_the_assigned_accounts_payments_not_metrics_by_name() -> None:
    # Regression: payments were read from the nightly metrics keyed by the variant's name only;
    # "champion" of another experiment counted here, and a variant without metric rows showed
    # no payments beside accounts that paid.
    creditor, experiment, accounts = _experiment_setup()
    for key in ("champion", "challenger"):  # another experiment's variants, same names
        DailyMetric.objects.create(
            creditor=creditor,
            day=dt.date(2026, 1, 5),
            metric="payments",
            segment="general",
            dimension="variant",
            key=key,
            count=7,
            amount=Decimal(700),
        )
    when = timezone.make_aware(dt.datetime(2026, 1, 10, 12))
    for account in accounts[:6]:
        make_payment(account, amount=Decimal(100), paid_at=when)

    results = experiment_results(experiment, as_of=dt.date(2026, 1, 31))

    assert sum(variant.payments for variant in results.variants) == 6
    assert sum(variant.amount for variant in results.variants) == Decimal(600)
    for variant in results.variants:
        assert variant.payments == variant.paid_accounts  # one payment per payer here
        assert variant.amount == Decimal(100) * variant.paid_accounts


def test_experiment_variants_must_add_up_to_100_and_name_two_variants() -> None:
    creditor = make_creditor()
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    with pytest.raises(ValidationError) as refused:
        create_experiment(
            creditor,
            name="E",
            segment="",
            started_on=dt.date(2026, 1, 1),
            variants=[("champion", strategy, 60), ("challenger", strategy, 30)],
        )
    assert "90" in " ".join(refused.value.message_dict["variants"])
    with pytest.raises(ValidationError):
        create_experiment(
            creditor,
            name="E",
            segment="",
            started_on=dt.date(2026, 1, 1),
            variants=[("champion", strategy, 100)],
        )


def test_stopping_an_experiment_twice_changes_once() -> None:
    _creditor, experiment, _accounts = _experiment_setup()
    assert stop_experiment(experiment, ended_on=dt.date(2026, 2, 1))["active"] == [True, False]
    assert stop_experiment(experiment, ended_on=dt.date(2026, 2, 2)) == {}
    experiment.refresh_from_db()
    assert experiment.ended_on == dt.date(2026, 2, 1)
