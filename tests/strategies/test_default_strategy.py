"""The CX-first default strategy."""

from recaudo.debts.models import Creditor
from recaudo.strategies.default_strategy import DEFAULT_STEPS, install_default_strategy
from recaudo.strategies.models import Step, StepTrigger, Strategy
from tests.factories import make_creditor


def test_installing_twice_changes_nothing(db: None) -> None:
    creditor: Creditor = make_creditor()
    first = install_default_strategy(creditor)
    Step.objects.filter(strategy=first, order=20).update(offset_days=1)  # the creditor's edit
    second = install_default_strategy(creditor)
    assert first == second
    assert Strategy.objects.filter(creditor=creditor).count() == 1
    assert first.steps.count() == len(DEFAULT_STEPS)
    assert first.steps.get(order=20).offset_days == 1


def test_the_default_plan_is_gentle_first_and_people_past_60_days(db: None) -> None:
    strategy = install_default_strategy(make_creditor())
    every_step = list(strategy.steps.order_by("order"))
    steps = [step for step in every_step if step.trigger == StepTrigger.DUE_DATE]
    offsets = [step.offset_days for step in steps]
    assert offsets == sorted(offsets)
    assert offsets[0] < 0
    assert (steps[0].action, steps[0].template_code) == ("message", "reminder-before-due")
    handoff = next(step for step in steps if step.action == "handoff")
    assert handoff.offset_days > 60
    assert steps[-1].action == "letter"
    assert steps[-1].template_code == "pre-legal-notice"
    assert all(step.conditions.get("no_active_promise") for step in every_step)
    assert any(step.conditions.get("no_reply_since_last_step") for step in steps)
    assert strategy.segment == ""


def test_a_broken_promise_is_followed_up_kindly_the_next_day(db: None) -> None:
    strategy = install_default_strategy(make_creditor())
    step = strategy.steps.get(trigger=StepTrigger.PROMISE_BROKEN)
    assert (step.offset_days, step.action, step.template_code) == (1, "message", "promise-broken")
    assert step.conditions["no_active_promise"]
