"""The customer search and the customer view: masked document, audit, the agent's actions
through the same functions as the API and the assistant, read-only roles, query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from recaudo.channels.models import Message
from recaudo.customers.models import Consent
from recaudo.debts import actions as debt_actions
from recaudo.debts.actions import add_note
from recaudo.debts.models import (
    AccountEvent,
    AccountStatus,
    EventKind,
    Hold,
    HoldKind,
    Payment,
    Plan,
    PlanPolicy,
    Promise,
    PromiseStatus,
)
from recaudo.debts.queries import InstalmentState
from recaudo.lib.money import format_money
from recaudo.staff.actions import open_task
from recaudo.staff.models import AuditAction, AuditEntry
from recaudo.strategies.actions import install_default_templates
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_instalment,
    make_payment,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # Tuesday, 10:00 in Bogotá
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def customer_with_account(**fields: object) -> tuple[object, object]:
    customer = make_customer(
        first_name="José", last_name="Núñez", document_number="1020304050", **fields
    )
    account = make_account(
        customer,
        external_id="CR-001",
        balance=Decimal("900000"),
        overdue_amount=Decimal("200000"),
        days_past_due=20,
        stage="administrative",
        bucket="1-30",
        balance_as_of=dt.date(2026, 9, 1),
    )
    make_instalment(account, number=1, due_date=dt.date(2026, 11, 10), amount_due=Decimal("200000"))
    return customer, account


def detail_url(customer: object) -> str:
    return reverse("console:customer", args=[customer.pk])  # type: ignore[attr-defined]


def action_url(name: str, account: object) -> str:
    return reverse(
        f"console:customer_{name}",
        args=[account.customer_id, account.pk],  # type: ignore[attr-defined]
    )


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["josé núñez", "Núñez", "1020304050", "4050", "3001234567", "jose@correo.com", "cr-001"],
)
def test_search_finds_by_name_document_last_digits_phone_email_and_account(
    client_as: object, text: str
) -> None:
    customer, _account = customer_with_account()
    make_contact_point(customer, value="+573001234567")
    make_contact_point(customer, medium="email", value="jose@correo.com")
    make_customer(first_name="Ana", last_name="Pérez", document_number="99887766")
    client = client_as("agent")  # type: ignore[operator]

    response = client.get(reverse("console:customers"), {"q": text})

    assert response.status_code == 200
    found = [row[0] for row in response.context["rows"]]
    assert found == [customer]


def test_search_shows_the_document_masked_and_filters_by_creditor(client_as: object) -> None:
    customer, _account = customer_with_account()
    other_creditor = make_creditor()
    make_customer(other_creditor, first_name="José", last_name="Núñez")
    client = client_as("agent")  # type: ignore[operator]

    everywhere = client.get(reverse("console:customers"), {"q": "núñez"})
    one = client.get(reverse("console:customers"), {"q": "núñez", "creditor": customer.creditor_id})

    assert len(everywhere.context["rows"]) == 2
    assert [row[0] for row in one.context["rows"]] == [customer]
    content = one.content.decode()
    assert "•••• 4050" in content and "1020304050" not in content


def test_search_as_you_type_answers_htmx_with_the_results_only(client_as: object) -> None:
    customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.get(
        reverse("console:customers"), {"q": "núñez"}, HTTP_HX_TARGET="results", **HTMX
    )

    assert response.templates[0].name == "console/customers/_results.html"
    assert b"<html" not in response.content


def search_with(client: object, django_assert_num_queries: object, rows: int) -> None:
    creditor = make_creditor()
    for number in range(rows):
        customer = make_customer(creditor, last_name="Gómez", first_name=f"Ana{number}")
        make_account(customer)
        make_account(customer)
    # session, user, roles, the chosen creditor, the creditors of the filter, count, page
    with django_assert_num_queries(7):  # type: ignore[operator]
        response = client.get(  # type: ignore[attr-defined]
            reverse("console:customers"), {"q": "gómez", "creditor": creditor.pk}
        )
    assert len(response.context["rows"]) == rows


def test_the_search_reads_a_fixed_number_of_queries_whatever_the_rows(
    client_as: object, django_assert_num_queries: object
) -> None:
    client = client_as("agent")  # type: ignore[operator]
    client.get(reverse("console:customers"))  # the session's first write is not the page's

    search_with(client, django_assert_num_queries, 2)
    search_with(client, django_assert_num_queries, 12)


def test_search_pages(client_as: object) -> None:
    creditor = make_creditor()
    for _number in range(30):
        make_customer(creditor, last_name="Rojas")
    client = client_as("agent")  # type: ignore[operator]

    second = client.get(reverse("console:customers"), {"q": "rojas", "page": 2})

    assert len(second.context["rows"]) == 5
    assert second.context["page"].number == 2


# --- the customer view ----------------------------------------------------------------------


def test_the_customer_view_shows_everything_with_the_document_masked(client_as: object) -> None:
    customer, account = customer_with_account()
    point = make_contact_point(customer, value="+573001234567")
    Consent.objects.create(
        contact_point=point, channel="sms", granted=False, source="reply", at=NOW
    )
    make_payment(account, external_reference="BANCO-77")
    add_note(account, text="Cliente amable", actor="agent", actor_name="ana")
    client = client_as("agent")  # type: ignore[operator]

    response = client.get(detail_url(customer))

    content = response.content.decode()
    assert response.status_code == 200
    assert "•••• 4050" in content
    assert "1020304050" not in content
    assert "CR-001" in content and "BANCO-77" in content and "Cliente amable" in content
    assert "+573001234567" in content
    assert response.context["points"][0].consents[0] == ("SMS", False)
    # The actions are there for an agent.
    assert action_url("promise", account) in content


def test_opening_a_customer_writes_an_audit_line(client_as: object) -> None:
    customer, _account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    client.get(detail_url(customer))

    entry = AuditEntry.objects.get(action=AuditAction.VIEWED_CUSTOMER)
    assert entry.user == client.user and entry.customer == customer  # type: ignore[attr-defined]
    assert entry.creditor_id == customer.creditor_id


def customer_view_queries(client: object, django_assert_num_queries: object, size: int) -> None:
    customer = make_customer()
    for index in range(size):
        account = make_account(customer)
        make_instalment(account)
        make_payment(account)
        add_note(account, text=f"nota {index}", actor="agent", actor_name="ana")
        open_task(customer, kind="call", reason="r", account=account)
        Promise.objects.create(
            account=account,
            amount=Decimal(1000),
            promised_date=dt.date(2026, 12, 5),
            actor="agent",
        )
    for _index in range(size):
        point = make_contact_point(customer)
        Consent.objects.create(
            contact_point=point, channel="sms", granted=True, source="import", at=NOW
        )
        Hold.objects.create(
            customer=customer, kind=HoldKind.ATTORNEY, started_at=NOW, actor="agent"
        )
    # session, user, roles; customer, contact points, consents, accounts, instalments,
    # payments, promises, plans, holds; timeline (4); channels accepted (2); payment-link
    # channels (carriers and their consents: phone for SMS and WhatsApp, e-mail has none: 5);
    # audit line.
    with django_assert_num_queries(24):  # type: ignore[operator]
        response = client.get(detail_url(customer))  # type: ignore[attr-defined]
    assert response.status_code == 200


def test_the_customer_view_reads_a_fixed_number_of_queries(
    client_as: object, django_assert_num_queries: object
) -> None:
    client = client_as("agent")  # type: ignore[operator]
    client.get(reverse("console:customers"))  # the session's first write is not the page's
    customer_view_queries(client, django_assert_num_queries, 1)
    customer_view_queries(client, django_assert_num_queries, 6)


def test_the_timeline_loads_older_entries(client_as: object) -> None:
    customer, account = customer_with_account()
    for index in range(40):
        add_note(account, text=f"nota número {index}", actor="agent", actor_name="ana")
    client = client_as("agent")  # type: ignore[operator]

    page = client.get(detail_url(customer))
    cursor = page.context["timeline"].next_cursor
    more = client.get(
        reverse("console:customer_timeline", args=[customer.pk]), {"before": cursor}, **HTMX
    )
    bad = client.get(
        reverse("console:customer_timeline", args=[customer.pk]), {"before": "x"}, **HTMX
    )

    assert len(page.context["timeline"].entries) == 30
    texts = [entry.text for entry in more.context["timeline"].entries]
    assert len(texts) == 10 and texts[-1] == "nota número 0"
    assert more.context["timeline"].next_cursor is None
    assert bad.status_code == 400


# --- roles ----------------------------------------------------------------------------------


def test_a_compliance_officer_sees_the_customer_read_only(client_as: object) -> None:
    customer, account = customer_with_account()
    client = client_as("compliance")  # type: ignore[operator]

    page = client.get(detail_url(customer))
    post = client.post(action_url("note", account), {f"note-{account.pk}-text": "hola"}, **HTMX)

    assert page.status_code == 200
    content = page.content.decode()
    assert '<form method="post" action="/console/customers' not in content
    assert action_url("note", account) not in content
    assert post.status_code == 403
    assert not AccountEvent.objects.filter(kind=EventKind.NOTE).exists()


def test_a_strategist_may_not_open_customers(client_as: object) -> None:
    customer, _account = customer_with_account()
    client = client_as("strategist")  # type: ignore[operator]

    assert client.get(reverse("console:customers")).status_code == 403
    assert client.get(detail_url(customer)).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.VIEWED_CUSTOMER).exists()


def test_a_supervisor_may_act(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("supervisor")  # type: ignore[operator]

    response = client.post(
        action_url("note", account), {f"note-{account.pk}-text": "Revisado"}, **HTMX
    )

    assert response.status_code == 200
    assert AccountEvent.objects.get(kind=EventKind.NOTE).actor_name == client.user.username  # type: ignore[attr-defined]


def test_actions_are_post_only(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    assert client.get(action_url("note", account)).status_code == 405


# --- actions --------------------------------------------------------------------------------


def acted(action: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action=AuditAction.ACTED, detail={"action": action}).first()
    assert entry is not None and entry.user is not None
    return entry


def test_register_a_promise(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    data = {
        f"promise-{account.pk}-amount": "200000",
        f"promise-{account.pk}-promised_date": "2026-12-07",
    }

    response = client.post(action_url("promise", account), data, **HTMX)
    again = client.post(action_url("promise", account), data, **HTMX)  # a double click

    content = response.content.decode()
    assert response.status_code == again.status_code == 200
    assert 'role="status"' in content and 'id="timeline"' in content
    assert 'hx-swap-oob="true"' in content
    promise = Promise.objects.get()
    assert promise.amount == Decimal("200000") and promise.status == PromiseStatus.ACTIVE
    assert (promise.actor, promise.actor_name) == ("agent", client.user.username)  # type: ignore[attr-defined]
    event = AccountEvent.objects.get(kind=EventKind.PROMISE_MADE)
    assert event.actor == "agent" and event.actor_name == client.user.username  # type: ignore[attr-defined]
    assert acted("make_promise").account == account


def test_a_refused_promise_is_shown_as_a_form_error(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.post(
        action_url("promise", account),
        {
            f"promise-{account.pk}-amount": "200000",
            f"promise-{account.pk}-promised_date": "2027-03-01",  # beyond the 15 days
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert response.context["panel_account"].forms["promise"].non_field_errors()
    assert not Promise.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ACTED).exists()


def test_invalid_input_says_what_to_fix(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.post(
        action_url("payment", account),
        {
            f"payment-{account.pk}-amount": "0",
            f"payment-{account.pk}-paid_on": "2026-12-09",
            f"payment-{account.pk}-method": "cash",
            f"payment-{account.pk}-reference": "",
        },
        **HTMX,
    )

    errors = response.context["panel_account"].forms["payment"].errors
    assert set(errors) == {"amount", "paid_on", "reference"}
    assert not Payment.objects.exists()


def test_agree_a_plan(client_as: object) -> None:
    customer, account = customer_with_account()
    PlanPolicy.objects.create(
        creditor=customer.creditor, max_instalments=6, settlement_discount_percent=10
    )
    client = client_as("agent")  # type: ignore[operator]

    options = client.get(action_url("plan_options", account), **HTMX)
    keys = [option.key for option in options.context["plan_options"]]
    response = client.post(
        action_url("plan", account), {f"plan-{account.pk}-option": keys[-1]}, **HTMX
    )
    wrong = client.post(
        action_url("plan", account), {f"plan-{account.pk}-option": "plan-99"}, **HTMX
    )

    assert "settlement" in keys
    assert response.status_code == 200
    plan = Plan.objects.get()
    assert (plan.actor, plan.actor_name) == ("agent", client.user.username)  # type: ignore[attr-defined]
    assert AccountEvent.objects.get(kind=EventKind.PLAN_AGREED).actor == "agent"
    assert wrong.context["panel_account"].forms["plan"].errors
    assert acted("agree_plan").account == account


def test_record_a_payment_once_per_reference(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    data = {
        f"payment-{account.pk}-amount": "150000",
        f"payment-{account.pk}-paid_on": "2026-11-30",
        f"payment-{account.pk}-method": "bank_transfer",
        f"payment-{account.pk}-reference": "TRX-1",
    }

    first = client.post(action_url("payment", account), data, **HTMX)
    second = client.post(action_url("payment", account), data, **HTMX)

    payment = Payment.objects.get()
    assert payment.amount == Decimal("150000") and payment.external_reference == "TRX-1"
    assert AccountEvent.objects.get(kind=EventKind.PAYMENT_RECORDED).actor == "agent"
    assert "TRX-1" in first.content.decode()
    with translation.override("es"):
        already = gettext("A payment with that reference was already recorded: nothing was added.")
        assert str(second.context["panel_account"].status_message) == already


def test_add_a_note_once_under_a_double_click(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    data = {f"note-{account.pk}-text": "Prometió llamar"}

    client.post(action_url("note", account), data, **HTMX)
    response = client.post(action_url("note", account), data, **HTMX)

    note = AccountEvent.objects.get(kind=EventKind.NOTE)
    assert note.actor_name == client.user.username  # type: ignore[attr-defined]
    assert "Prometió llamar" in response.content.decode()


def test_without_htmx_an_action_redirects_back_with_a_message(client_as: object) -> None:
    customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.post(action_url("note", account), {f"note-{account.pk}-text": "Sin JS"})
    empty = client.post(action_url("note", account), {f"note-{account.pk}-text": ""})

    assert response.status_code == 302
    assert response["Location"] == detail_url(customer) + f"#account-{account.pk}"
    assert empty.status_code == 400
    assert "Write the note" in empty.content.decode() or "Escriba" in empty.content.decode()


def test_open_a_dispute(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    data = {f"dispute-{account.pk}-reason": "No reconoce la deuda"}

    client.post(action_url("dispute", account), data, **HTMX)
    client.post(action_url("dispute", account), data, **HTMX)

    hold = Hold.objects.get()
    assert hold.kind == HoldKind.DISPUTE and hold.account == account
    account.refresh_from_db()
    assert account.status == "dispute"
    assert AccountEvent.objects.get(kind=EventKind.DISPUTE_OPENED).actor == "agent"


def test_place_and_release_a_hold(client_as: object) -> None:
    customer, _account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    url = reverse("console:customer_hold", args=[customer.pk])

    placed = client.post(
        url, {"hold-kind": "attorney", "hold-account": "", "hold-note": "Abogado"}, **HTMX
    )
    hold = Hold.objects.get()
    release = reverse("console:customer_release_hold", args=[customer.pk, hold.pk])
    released = client.post(release, **HTMX)
    client.post(release, **HTMX)

    assert placed.status_code == released.status_code == 200
    hold.refresh_from_db()
    assert hold.account is None and hold.released_at is not None
    assert AccountEvent.objects.filter(kind=EventKind.HOLD_PLACED, actor="agent").count() == 1
    assert AccountEvent.objects.filter(kind=EventKind.HOLD_RELEASED).count() == 1
    assert acted("place_hold").customer == customer
    assert AuditEntry.objects.filter(detail={"action": "release_hold"}).count() == 2


def test_a_dispute_is_not_a_hold_kind_of_its_own(client_as: object) -> None:
    customer, _account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.post(
        reverse("console:customer_hold", args=[customer.pk]), {"hold-kind": "dispute"}, **HTMX
    )

    assert response.context["hold_form"].errors
    assert not Hold.objects.exists()


def test_change_preferences_and_opt_out(client_as: object) -> None:
    customer, _account = customer_with_account()
    point = make_contact_point(customer)
    client = client_as("agent")  # type: ignore[operator]
    url = reverse("console:customer_preferences", args=[customer.pk])

    saved = client.post(
        url,
        {
            "preferences-accepted_channels": ["whatsapp", "sms"],
            "preferences-preferred_channel": "whatsapp",
            "preferences-hours_start": "09:00",
            "preferences-hours_end": "17:00",
        },
        **HTMX,
    )
    bad = client.post(
        url,
        {"preferences-accepted_channels": ["sms"], "preferences-hours_start": "09:00"},
        **HTMX,
    )
    opted = client.post(
        reverse("console:customer_opt_out", args=[customer.pk]), {"opt-out-channel": "sms"}, **HTMX
    )

    assert saved.status_code == 200 and 'role="status"' in saved.content.decode()
    customer.refresh_from_db()
    assert customer.preferred_channels[0] == "whatsapp"
    assert customer.preferred_hours_start == dt.time(9, 0)
    assert set(bad.context["preferences_form"].errors) == {"hours_end"}
    latest = Consent.objects.filter(contact_point=point, channel="sms").order_by("-at", "-id")[0]
    assert latest.granted is False and latest.source.startswith("agent ")
    assert opted.status_code == 200
    assert acted("opt_out").customer == customer


def test_send_a_statement(client_as: object) -> None:
    customer, _account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    url = reverse("console:customer_statement", args=[customer.pk])

    missing = client.post(url, **HTMX)
    make_contact_point(customer, medium="email", value="jose@correo.com")
    sent = client.post(url, **HTMX)
    client.post(url, **HTMX)

    assert missing.context["statement_errors"].non_field_errors()
    assert Message.objects.get().address == "jose@correo.com"
    assert AccountEvent.objects.get(kind=EventKind.STATEMENT_SENT).actor == "agent"
    assert 'role="status"' in sent.content.decode()


def test_send_a_payment_link(client_as: object) -> None:
    customer, account = customer_with_account()
    install_default_templates(customer.creditor)
    point = make_contact_point(customer)
    Consent.objects.create(
        contact_point=point, channel="sms", granted=True, source="import", at=NOW
    )
    client = client_as("agent")  # type: ignore[operator]

    sent = client.post(
        action_url("payment_link", account), {f"link-{account.pk}-channel": "sms"}, **HTMX
    )
    refused = client.post(
        action_url("payment_link", account), {f"link-{account.pk}-channel": "email"}, **HTMX
    )

    message = Message.objects.get()
    assert message.contact_point == point and message.template.code == "payment-link"
    event = AccountEvent.objects.get(kind=EventKind.PAYMENT_LINK_SENT)
    assert event.actor == "agent" and event.actor_name == client.user.username  # type: ignore[attr-defined]
    assert 'role="status"' in sent.content.decode()
    # E-mail is not offered (no e-mail on file): the form refuses it.
    assert refused.context["panel_account"].forms["payment_link"].errors["channel"]


def test_the_timeline_after_an_action_names_the_agent(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.post(action_url("note", account), {f"note-{account.pk}-text": "Hola"}, **HTMX)

    first = response.context["timeline"].entries[0]
    assert first.kind == "note" and first.actor == "agent"
    assert first.actor_name == client.user.username  # type: ignore[attr-defined]
    assert re.search(r'id="timeline"[^>]*hx-swap-oob="true"', response.content.decode())


# --- review fixes ----------------------------------------------------------------------------


def test_a_compliance_officer_sees_contact_points_masked(client_as: object) -> None:
    customer, _account = customer_with_account()
    make_contact_point(customer, value="+573001234567")
    make_contact_point(customer, medium="email", value="jose.nunez@correo.com")

    compliance = client_as("compliance").get(detail_url(customer)).content.decode()  # type: ignore[operator]

    assert "+573001234567" not in compliance and "jose.nunez@correo.com" not in compliance
    assert "+57 *** *** 4567" in compliance and "j***@correo.com" in compliance
    agent = client_as("agent").get(detail_url(customer)).content.decode()  # type: ignore[operator]
    assert "+573001234567" in agent and "jose.nunez@correo.com" in agent  # agents call it


def payment_data(account: object, paid_on: str, reference: str) -> dict[str, str]:
    pk = account.pk  # type: ignore[attr-defined]
    return {
        f"payment-{pk}-amount": "150000",
        f"payment-{pk}-paid_on": paid_on,
        f"payment-{pk}-method": "bank_transfer",
        f"payment-{pk}-reference": reference,
    }


def test_a_payment_of_today_entered_in_the_morning_is_not_in_the_future(
    client_as: object,
) -> None:
    from zoneinfo import ZoneInfo

    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    bogota = ZoneInfo("America/Bogota")

    client.post(action_url("payment", account), payment_data(account, "2026-12-01", "T-1"), **HTMX)
    client.post(action_url("payment", account), payment_data(account, "2026-11-30", "T-2"), **HTMX)

    today = Payment.objects.get(external_reference="T-1")
    yesterday = Payment.objects.get(external_reference="T-2")
    assert today.paid_at == NOW  # 10:00 in Bogotá, not noon
    assert yesterday.paid_at == dt.datetime(2026, 11, 30, 12, 0, tzinfo=bogota)


def test_a_payment_of_today_entered_in_the_afternoon_is_at_noon(client_as: object) -> None:
    from zoneinfo import ZoneInfo

    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    with time_machine.travel(NOW + dt.timedelta(hours=6), tick=False):  # 16:00 in Bogotá
        client.post(
            action_url("payment", account), payment_data(account, "2026-12-01", "T-3"), **HTMX
        )
    noon = dt.datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/Bogota"))
    assert Payment.objects.get().paid_at == noon


def test_a_payment_in_the_future_is_refused_with_a_clear_error(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.post(
        action_url("payment", account), payment_data(account, "2026-12-02", "T-4"), **HTMX
    )

    form = response.context["panel_account"].forms["payment"]
    with translation.override("es"):
        future = gettext("The payment date cannot be in the future: enter the day it was paid.")
    assert form.errors["paid_on"] == [future]
    assert 'max="2026-12-01"' in client.get(detail_url(account.customer)).content.decode()  # type: ignore[attr-defined]
    assert not Payment.objects.exists()


def test_a_double_submitted_promise_is_recognised_by_the_action(client_as: object) -> None:
    _customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]
    data = {
        f"promise-{account.pk}-amount": "200000",  # type: ignore[attr-defined]
        f"promise-{account.pk}-promised_date": "2026-12-07",  # type: ignore[attr-defined]
    }

    client.post(action_url("promise", account), data, **HTMX)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        again = client.post(action_url("promise", account), data, **HTMX)

    with translation.override("es"):
        already = gettext("That promise is already registered: nothing changed.")
    assert str(again.context["panel_account"].status_message) == already
    assert Promise.objects.count() == 1
    assert AccountEvent.objects.filter(kind=EventKind.PROMISE_MADE).count() == 1


# --- after the agents' walkthrough -----------------------------------------------------------


def test_the_payment_link_form_offers_only_channels_the_customer_can_be_reached_on(
    client_as: object,
) -> None:
    customer, _account = customer_with_account()
    point = make_contact_point(customer)
    Consent.objects.create(
        contact_point=point, channel="whatsapp", granted=False, source="customer", at=NOW
    )
    client = client_as("agent")  # type: ignore[operator]

    response = client.get(detail_url(customer))

    panel = response.context["accounts"][0]
    offered = [value for value, _label in panel.forms["payment_link"].fields["channel"].choices]
    assert offered == ["sms"]  # WhatsApp withdrawn, no e-mail on file


def test_without_a_reachable_contact_point_no_payment_link_form_is_shown(
    client_as: object,
) -> None:
    customer, account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    response = client.get(detail_url(customer))

    assert "payment_link" not in response.context["accounts"][0].forms
    content = response.content.decode()
    assert action_url("payment_link", account) not in content
    with translation.override("es"):
        assert (
            gettext(
                "No payment link can be sent: the customer has no reachable phone or e-mail (SMS, "
                "WhatsApp or e-mail). Add one, or record their consent, under Contact points and "
                "consent."
            )
            in content
        )


def test_the_promise_form_shows_the_creditors_limits_in_the_accounts_currency(
    client_as: object,
) -> None:
    customer, _account = customer_with_account()
    client = client_as("agent")  # type: ignore[operator]

    with translation.override("es"):
        response = client.get(detail_url(customer), HTTP_ACCEPT_LANGUAGE="es")
        minimum = format_money(Decimal("100000"), "COP", "es")  # 50 % of the overdue 200 000
        owed = format_money(Decimal("200000"), "COP", "es")
        latest = date_format(dt.date(2026, 12, 16), "SHORT_DATE_FORMAT")  # today + 15 days

    content = response.content.decode()
    assert minimum in content and owed in content and latest in content
    assert 'max="2026-12-16"' in content and 'min="2026-12-01"' in content
    assert "$" not in minimum


def test_an_instalment_replaced_by_a_plan_says_so(client_as: object) -> None:
    customer, account = customer_with_account()
    plan = Plan.objects.create(
        account=account,
        kind="instalments",
        total=Decimal("200000"),
        instalment_count=2,
        instalment_amount=Decimal("100000"),
        first_due_date=dt.date(2026, 12, 10),
        actor="agent",
    )
    account.instalments.update(superseded_by=plan)
    client = client_as("agent")  # type: ignore[operator]

    with translation.override("es"):
        response = client.get(detail_url(customer), HTTP_ACCEPT_LANGUAGE="es")

    row = response.context["accounts"][0].instalments[0]
    assert row.state == InstalmentState.REPLACED
    assert "state-replaced" in response.content.decode()


def test_the_timeline_shows_amounts_labels_and_one_entry_per_conversation(
    client_as: object,
) -> None:
    customer, account = customer_with_account()
    debt_actions.make_promise(
        account,
        amount=Decimal("841100"),
        promised_date=dt.date(2026, 12, 7),
        today=dt.date(2026, 12, 1),
        channel="console",
        actor="agent",
        actor_name="ana",
        enforce_limits=False,
    )
    client = client_as("agent")  # type: ignore[operator]

    with translation.override("es"):
        content = client.get(detail_url(customer), HTTP_ACCEPT_LANGUAGE="es").content.decode()
        amount = format_money(Decimal("841100"), "COP", "es")
        status = str(AccountStatus.PROMISE.label)

    assert amount in content and "841100.00" not in content
    assert "active → promise" not in content and status in content
