"""The CX-first default strategy every creditor can start from.

Gentle and useful first (a reminder before the due date, the due day, a payment link, a plan
offer), people past 60 days (an adviser takes over in pre-legal: that is when a conversation
matters most), the pre-legal notice last. Dunning steps pause while a promise or a plan is in
force; the second payment link only goes when the customer did not answer the previous step.
The day after a promise is broken, a kind follow-up offers a new date or a plan.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from recaudo.debts.models import Creditor
from recaudo.strategies.models import Step, StepAction, StepTrigger, Strategy

DEFAULT_STRATEGY_NAME = gettext_noop("Default (CX first)")
DUNNING = {"no_active_promise": True}


@dataclass(frozen=True)
class DefaultStep:
    order: int
    name: str
    offset_days: int
    action: str
    channel: str = ""
    template_code: str = ""
    stage: str = ""
    conditions: dict[str, Any] = field(default_factory=dict)
    trigger: str = StepTrigger.DUE_DATE


DEFAULT_STEPS: tuple[DefaultStep, ...] = (
    DefaultStep(
        10,
        gettext_noop("Reminder 3 days before the due date"),
        -3,
        StepAction.MESSAGE,
        "whatsapp",
        "reminder-before-due",
        conditions={**DUNNING, "max_days_past_due": 0, "channels": ["sms", "email", "push"]},
    ),
    DefaultStep(
        20,
        gettext_noop("Due today"),
        0,
        StepAction.MESSAGE,
        "sms",
        "due-today",
        conditions={**DUNNING, "channels": ["whatsapp", "email"]},
    ),
    DefaultStep(
        30,
        gettext_noop("Payment link, 3 days late"),
        3,
        StepAction.MESSAGE,
        "whatsapp",
        "payment-link",
        conditions={**DUNNING, "channels": ["sms", "email"]},
    ),
    DefaultStep(
        40,
        gettext_noop("Payment plan offer, 10 days late"),
        10,
        StepAction.MESSAGE,
        "email",
        "plan-offer",
        conditions={**DUNNING, "channels": ["whatsapp", "sms"]},
    ),
    DefaultStep(
        50,
        gettext_noop("Voice reminder, 20 days late"),
        20,
        StepAction.MESSAGE,
        "voice",
        "voice-reminder",
        conditions=DUNNING,
    ),
    DefaultStep(
        60,
        gettext_noop("Payment link by SMS when there was no reply, 30 days late"),
        30,
        StepAction.MESSAGE,
        "sms",
        "payment-link",
        conditions={**DUNNING, "no_reply_since_last_step": True, "channels": ["whatsapp"]},
    ),
    DefaultStep(
        70,
        gettext_noop("Payment plan offer, 45 days late"),
        45,
        StepAction.MESSAGE,
        "whatsapp",
        "plan-offer",
        conditions={**DUNNING, "channels": ["email", "sms"]},
    ),
    DefaultStep(
        80,
        gettext_noop("Hand-off to an adviser past 60 days"),
        61,
        StepAction.HANDOFF,
        stage="pre_legal",
        conditions=DUNNING,
    ),
    DefaultStep(
        90,
        gettext_noop("Adviser call, 75 days late"),
        75,
        StepAction.CALL_TASK,
        stage="pre_legal",
        conditions=DUNNING,
    ),
    DefaultStep(
        100,
        gettext_noop("Pre-legal notice (letter by e-mail), 90 days late"),
        90,
        StepAction.LETTER,
        "letter",
        "pre-legal-notice",
        conditions=DUNNING,
    ),
    DefaultStep(
        110,
        gettext_noop("Kind follow-up the day after a broken promise"),
        1,
        StepAction.MESSAGE,
        "whatsapp",
        "promise-broken",
        conditions={**DUNNING, "channels": ["sms", "email"]},
        trigger=StepTrigger.PROMISE_BROKEN,
    ),
)


def install_default_strategy(creditor: Creditor) -> Strategy:
    """The creditor's default strategy (every segment), created with its steps if missing.

    Idempotent: a second call returns the same strategy and adds only the steps it lacks (by
    order); steps the creditor edited are left as they are.
    """
    with transaction.atomic():
        # Named in the active language when first installed; found again by either name.
        names = {DEFAULT_STRATEGY_NAME, gettext(DEFAULT_STRATEGY_NAME)}
        strategy = Strategy.objects.filter(creditor=creditor, name__in=names).first()
        if strategy is None:
            strategy = Strategy.objects.create(
                creditor=creditor, name=gettext(DEFAULT_STRATEGY_NAME), segment=""
            )
        existing = set(strategy.steps.values_list("order", flat=True))
        Step.objects.bulk_create(
            [
                Step(
                    strategy=strategy,
                    order=step.order,
                    name=gettext(step.name),
                    trigger=step.trigger,
                    offset_days=step.offset_days,
                    stage=step.stage,
                    action=step.action,
                    channel=step.channel,
                    template_code=step.template_code,
                    conditions=dict(step.conditions),
                )
                for step in DEFAULT_STEPS
                if step.order not in existing
            ]
        )
    return strategy
