"""Planning against the database: what is queued, blocked, skipped, and that a re-run adds nothing."""

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from recaudo.channels.models import Message
from recaudo.debts.models import Creditor, Promise
from recaudo.staff.models import Task
from recaudo.strategies import planning
from recaudo.strategies.models import Step, Template
from tests.factories import make_contact_point, make_customer

from .conftest import AS_OF, StandInPolicy, past_due_account, stand_in_decide

BOGOTA = zoneinfo.ZoneInfo("America/Bogota")


def run(creditor: Creditor, policy: StandInPolicy, as_of: dt.date = AS_OF) -> planning.PlanReport:
    return planning.plan(
        as_of=as_of, creditor=creditor, policy=stand_in_decide, load_policy_inputs=policy
    )


def local(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment.astimezone(BOGOTA)


def test_an_allowed_message_is_queued_in_the_window_with_its_strategy(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    account = past_due_account(creditor, 3)
    report = run(creditor, stand_in)
    message = Message.objects.get(account=account)
    step = Step.objects.get(strategy__creditor=creditor, offset_days=3)
    assert (message.status, message.channel, message.direction) == (
        "queued",
        "whatsapp",
        "outbound",
    )
    assert message.step == step
    assert message.strategy == step.strategy
    assert message.template == Template.objects.get(
        creditor=creditor, code="payment-link", channel="whatsapp"
    )
    assert message.dedupe_key == f"plan:{account.pk}:{step.pk}:2026-03-07"
    assert message.contact_point is not None
    assert message.address == message.contact_point.value
    assert message.body == ""
    sent = local(message.send_after)
    assert sent.date() == AS_OF
    assert dt.time(8, 0) <= sent.time() < dt.time(10, 0)
    assert (report.accounts, report.proposals, report.queued, report.tasks) == (1, 1, 1, 0)


def test_the_customers_preferred_hours_and_channel_come_first(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    customer = make_customer(
        creditor,
        preferred_hours_start=dt.time(17, 0),
        preferred_hours_end=dt.time(18, 0),
        preferred_channels=["email"],
    )
    make_contact_point(customer, medium="phone")
    make_contact_point(customer, medium="email", value="ana@example.com")
    account = past_due_account(creditor, 3, customer=customer)
    run(creditor, stand_in)
    message = Message.objects.get(account=account)
    assert (message.channel, message.address) == ("email", "ana@example.com")
    assert dt.time(17, 0) <= local(message.send_after).time() < dt.time(17, 30)


def test_a_preferred_hour_outside_the_law_moves_to_the_next_allowed_time(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    customer = make_customer(creditor, preferred_hours_start=dt.time(5, 0))
    make_contact_point(customer, medium="phone")
    account = past_due_account(creditor, 3, customer=customer)
    run(creditor, stand_in)
    message = Message.objects.get(account=account)
    assert message.status == "queued"
    assert local(message.send_after) == dt.datetime(2026, 3, 10, 7, 0, tzinfo=BOGOTA)


def test_planned_late_in_the_day_nothing_is_due_before_now(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    account = past_due_account(creditor, 3)
    evening = dt.datetime(2026, 3, 10, 20, 30, tzinfo=BOGOTA)

    planning.plan(
        as_of=AS_OF,
        creditor=creditor,
        policy=stand_in_decide,
        load_policy_inputs=stand_in,
        not_before=evening,
    )

    message = Message.objects.get(account=account)
    assert local(message.send_after) == dt.datetime(2026, 3, 11, 7, 0, tzinfo=BOGOTA)


def test_on_a_sunday_the_message_waits_for_monday(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    sunday = dt.date(2026, 3, 15)
    account = past_due_account(creditor, 3, computed_as_of=sunday)
    run(creditor, stand_in, as_of=sunday)
    message = Message.objects.get(account=account)
    assert message.status == "queued"
    assert local(message.send_after) == dt.datetime(2026, 3, 16, 7, 0, tzinfo=BOGOTA)


def test_a_refusal_for_good_is_stored_blocked_with_its_reasons(creditor: Creditor) -> None:
    account = past_due_account(creditor, 3)
    policy = StandInPolicy(opted_out={account.customer_id: ("whatsapp",)})
    report = run(creditor, policy)
    message = Message.objects.get(account=account)
    assert message.status == "blocked"
    assert (message.policy_rule, message.policy_reasons) == ("opted_out", ["opted out"])
    assert message.policy_source.startswith("Ley 2300")
    assert report.blocked == {"opted_out": 1}
    assert report.queued == 0


def test_running_the_same_day_again_creates_nothing(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    past_due_account(creditor, 3)
    past_due_account(creditor, 61)
    first = run(creditor, stand_in)
    second = run(creditor, stand_in)
    next_day = run(creditor, stand_in, as_of=AS_OF + dt.timedelta(days=1))
    assert (first.queued, first.tasks) == (1, 1)
    assert (second.queued, second.tasks, second.proposals) == (0, 0, 0)
    # The due-day step, still in its catch-up window, stays replaced by the one planned.
    assert second.skipped == {planning.SKIP_ALREADY_PLANNED: 2, "superseded": 1}
    assert (next_day.queued, next_day.tasks) == (0, 0)
    assert Message.objects.count() == 1
    assert Task.objects.count() == 1


def test_past_60_days_an_adviser_gets_a_task(creditor: Creditor, stand_in: StandInPolicy) -> None:
    account = past_due_account(creditor, 61, balance=5_000_000)
    low = past_due_account(creditor, 61, balance=50_000)
    run(creditor, stand_in)
    task = Task.objects.get(account=account)
    assert (task.kind, task.status) == ("handoff", "open")
    assert task.step is not None and task.step.offset_days == 61
    assert task.dedupe_key is not None and task.dedupe_key.startswith(f"plan:{account.pk}:")
    assert task.priority > Task.objects.get(account=low).priority
    assert task.due_at is not None and local(task.due_at).date() == AS_OF
    assert not Message.objects.filter(account=account).exists()


def test_a_letter_is_an_email_with_the_letter_template(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    account = past_due_account(creditor, 90, email=True)
    run(creditor, stand_in)
    message = Message.objects.get(account=account)
    assert message.channel == "email"
    assert message.payload == {"letter": True}
    assert message.template is not None
    assert (message.template.code, message.template.channel) == ("pre-legal-notice", "letter")


def test_without_a_contact_point_the_proposal_is_counted_as_skipped(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    past_due_account(creditor, 3, phone=False)
    report = run(creditor, stand_in)
    # Neither the due-day step nor the 3-days-late one can go: both are counted.
    assert report.skipped == {planning.SKIP_NO_CONTACT_POINT: 2}
    assert not Message.objects.exists()


def test_promises_pause_dunning_and_terminal_accounts_get_nothing(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    promised = past_due_account(creditor, 3)
    Promise.objects.create(
        account=promised, amount=1000, promised_date=AS_OF + dt.timedelta(days=5), actor="customer"
    )
    past_due_account(creditor, 3, status="paid")
    report = run(creditor, stand_in)
    assert report.proposals == 0
    assert not Message.objects.exists()


def test_two_accounts_of_one_customer_count_against_each_other(creditor: Creditor) -> None:
    first = past_due_account(creditor, 3)
    second = past_due_account(creditor, 10, customer=first.customer)
    seen: list[int] = []

    def counting(request: Any) -> Any:
        seen.append(len(request.history))
        return stand_in_decide(request)

    planning.plan(
        as_of=AS_OF, creditor=creditor, policy=counting, load_policy_inputs=StandInPolicy()
    )
    assert sorted(seen) == [0, 1]
    assert Message.objects.filter(account__in=[first, second], status="queued").count() == 2


def test_policy_inputs_are_loaded_in_chunks(
    creditor: Creditor, stand_in: StandInPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "POLICY_CHUNK", 2)
    for _ in range(5):
        past_due_account(creditor, 3)
    run(creditor, stand_in)
    assert stand_in.loads == [2, 2, 1]


def test_no_reply_since_the_last_step(creditor: Creditor, stand_in: StandInPolicy) -> None:
    quiet = past_due_account(creditor, 30)
    replied = past_due_account(creditor, 30)
    step = Step.objects.get(strategy__creditor=creditor, offset_days=20)
    for account in (quiet, replied):
        Message.objects.create(
            creditor=creditor,
            customer=account.customer,
            account=account,
            direction="outbound",
            channel="voice",
            address="+573001234567",
            status="sent",
            step=step,
            sent_at=dt.datetime(2026, 2, 28, 15, tzinfo=dt.UTC),
        )
    Message.objects.create(
        creditor=creditor,
        customer=replied.customer,
        direction="inbound",
        channel="sms",
        address="+573001234567",
        status="received",
    )
    Message.objects.filter(direction="inbound").update(
        created_at=dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC)
    )
    run(creditor, stand_in)
    planned = Message.objects.filter(step__offset_days=30)
    assert list(planned.values_list("account", flat=True)) == [quiet.pk]


def test_with_the_real_policy_consent_decides(creditor: Creditor) -> None:
    from recaudo.customers.models import Consent

    allowed = past_due_account(creditor, 3)
    refused = past_due_account(creditor, 3)
    granted_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for account, granted in ((allowed, True), (refused, False)):
        point = account.customer.contact_points.get()
        Consent.objects.create(
            contact_point=point, channel="whatsapp", granted=granted, source="test", at=granted_at
        )
    report = planning.plan(as_of=AS_OF, creditor=creditor)
    queued = Message.objects.get(account=allowed)
    blocked = Message.objects.get(account=refused)
    assert queued.status == "queued", queued.policy_reasons
    assert local(queued.send_after).date() == AS_OF
    assert blocked.status == "blocked"
    assert blocked.policy_rule and blocked.policy_reasons
    assert report.queued == 1


def test_policy_slices_never_split_a_customer() -> None:
    moment = dt.datetime(2026, 3, 10, 13, tzinfo=dt.UTC)
    rows = [
        (customer, customer * 10 + n, "A", "sms", moment, 1)
        for customer in (1, 2, 2, 2, 3, 4, 4)
        for n in (0,)
    ]
    slices = planning._slices_by_customer(rows, 3)
    assert [row for part in slices for row in part] == rows
    customers = [{row[0] for row in part} for part in slices]
    assert all(not (a & b) for i, a in enumerate(customers) for b in customers[i + 1 :])


def test_a_step_that_cannot_be_sent_never_silences_the_one_before(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    account = past_due_account(creditor, 3)
    three_days_late = Step.objects.get(strategy__creditor=creditor, offset_days=3)
    Template.objects.filter(creditor=creditor, code=three_days_late.template_code).delete()

    report = run(creditor, stand_in)

    message = Message.objects.get(account=account)
    assert message.step == Step.objects.get(strategy__creditor=creditor, offset_days=0)
    assert report.skipped == {planning.SKIP_NO_TEMPLATE: 1}


def test_a_preferred_hour_the_clocks_skip_moves_an_hour_later(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    # 8 March 2026 in New York: clocks jump from 02:00 to 03:00.
    dst_day = dt.date(2026, 3, 8)
    customer = make_customer(
        creditor,
        timezone="America/New_York",
        preferred_hours_start=dt.time(2, 30),
        preferred_hours_end=dt.time(2, 31),
    )
    make_contact_point(customer, medium="phone")
    account = past_due_account(creditor, 3, customer=customer, computed_as_of=dst_day)

    run(creditor, stand_in, as_of=dst_day)

    assert Message.objects.filter(account=account).exists()


def test_two_plans_at_once_the_second_keeps_nothing_and_says_so(
    creditor: Creditor, stand_in: StandInPolicy, monkeypatch: Any
) -> None:
    past_due_account(creditor, 3)
    run(creditor, stand_in)
    before = Message.objects.count()
    # As if the first plan had not committed yet when the second read the planned keys.
    monkeypatch.setattr(planning, "existing_keys", lambda keys: keys.head(0))

    with pytest.raises(planning.PlanConflict):
        run(creditor, stand_in)

    assert Message.objects.count() == before


def test_a_message_step_without_a_channel_is_counted_not_lost(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    past_due_account(creditor, 3)
    Step.objects.filter(strategy__creditor=creditor, action="message").update(
        channel="", conditions={}
    )

    report = run(creditor, stand_in)

    assert not Message.objects.exists()
    assert report.skipped == {planning.SKIP_NO_CHANNEL: 2}


def test_the_day_after_a_broken_promise_the_follow_up_is_planned(
    creditor: Creditor, stand_in: StandInPolicy
) -> None:
    from decimal import Decimal

    from recaudo.debts.actions import settle_agreements
    from recaudo.debts.models import EventKind
    from recaudo.strategies.actions import install_default_templates
    from recaudo.strategies.default_strategy import install_default_strategy

    Step.objects.filter(strategy__creditor=creditor).delete()
    install_default_strategy(creditor)
    install_default_templates(creditor)
    # 40 days late: no dunning step of the default strategy falls on AS_OF.
    account = past_due_account(creditor, 40)
    Promise.objects.create(
        account=account,
        amount=Decimal("1000"),
        promised_date=AS_OF - dt.timedelta(days=2),
        actor="customer",
    )
    assert settle_agreements(creditor, as_of=AS_OF - dt.timedelta(days=1)).broken_promises == 1
    assert account.events.filter(kind=EventKind.PROMISE_BROKEN).exists()

    run(creditor, stand_in)
    run(creditor, stand_in)

    message = Message.objects.get(account=account)
    assert message.template is not None
    assert (message.template.code, message.channel) == ("promise-broken", "whatsapp")
    assert message.step is not None and message.step.trigger == "promise_broken"
