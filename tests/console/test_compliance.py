"""The compliance officer's screens: audit log (and CSV), blocked messages, explain, consents."""

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from recaudo.channels.models import Message, MessageStatus
from recaudo.customers.models import Consent, ContactPoint, Customer
from recaudo.debts.models import Account, Creditor
from recaudo.policy.queries import describe_rule
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction, AuditEntry
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_user,
)

pytestmark = pytest.mark.django_db

BOGOTA = zoneinfo.ZoneInfo("America/Bogota")
ClientAs = Callable[..., Client]


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BOGOTA)


def audit_line(user: Any, action: str, when: dt.datetime, **fields: Any) -> AuditEntry:
    entry = record_audit(user, action, **fields)
    AuditEntry.objects.filter(pk=entry.pk).update(at=when)
    entry.refresh_from_db()
    return entry


def blocked_message(
    customer: Customer,
    *,
    rule: str = "CO.hours",
    source: str = "Ley 2300 de 2023, art. 3: Mon-Fri 07:00-19:00, Sat 08:00-15:00",
    reasons: list[str] | None = None,
    channel: str = "sms",
    status: str = MessageStatus.BLOCKED,
    created: dt.datetime | None = None,
    account: Account | None = None,
    point: ContactPoint | None = None,
    error: str = "",
) -> Message:
    message = Message.objects.create(
        creditor=customer.creditor,
        customer=customer,
        account=account,
        contact_point=point,
        direction="outbound",
        channel=channel,
        address=point.value if point else "+573001234567",
        status=status,
        policy_rule=rule,
        policy_source=source,
        policy_reasons=reasons if reasons is not None else ["20:30 está fuera del horario."],
        error=error,
    )
    if created is not None:
        Message.objects.filter(pk=message.pk).update(created_at=created)
        message.refresh_from_db()
    return message


# Roles -------------------------------------------------------------------------------------


@pytest.fixture
def known() -> dict[str, Any]:
    creditor = make_creditor()
    customer = make_customer(creditor)
    account = make_account(customer)
    return {"creditor": creditor, "customer": customer, "account": account}


def compliance_urls(known: dict[str, Any]) -> list[str]:
    return [
        reverse("console:audit_log"),
        reverse("console:audit_log_export"),
        reverse("console:blocked_messages"),
        reverse("console:explain_lookup"),
        reverse("console:account_explain", args=[known["account"].pk]),
        reverse("console:consent_lookup"),
        reverse("console:customer_consents", args=[known["customer"].pk]),
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("agent", 403),
        ("strategist", 403),
        ("supervisor", 403),
        ("compliance", 200),
        ("admin", 200),
    ],
)
def test_only_compliance_and_administrators_open_the_compliance_screens(
    client_as: ClientAs, known: dict[str, Any], role: str, status: int
) -> None:
    client = client_as(role)
    for url in compliance_urls(known):
        response = client.get(url)
        assert response.status_code == status, url
    if status == 403:
        assert AuditEntry.objects.filter(action=AuditAction.DENIED, user=client.user).count() == 7


def test_an_anonymous_visitor_is_sent_to_the_login(client: Client, known: dict[str, Any]) -> None:
    for url in compliance_urls(known):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("console:login"))


# 1. Audit log ------------------------------------------------------------------------------


@pytest.fixture
def audit_data() -> dict[str, Any]:
    bank = make_creditor(name="Banco Norte")
    other = make_creditor(name="Banco Sur")
    ana = make_user("agent", username="ana")
    luis = make_user("supervisor", username="luis")
    customer = make_customer(bank, external_id="CLI-7", document_number="52123456")
    stranger = make_customer(other, external_id="CLI-9")
    lines = {
        "login": audit_line(ana, AuditAction.LOGIN, at(2026, 3, 1, 8)),
        "viewed": audit_line(
            ana, AuditAction.VIEWED_CUSTOMER, at(2026, 3, 2, 9), customer=customer
        ),
        "denied": audit_line(
            luis, AuditAction.DENIED, at(2026, 3, 3, 9), detail={"capability": "edit_strategy"}
        ),
        "other": audit_line(
            luis, AuditAction.VIEWED_CUSTOMER, at(2026, 3, 4, 9), customer=stranger
        ),
    }
    return {"bank": bank, "other": other, "customer": customer, "lines": lines}


def rows_of(response: Any) -> list[AuditEntry]:
    return list(response.context["entries"])


def test_the_audit_log_shows_every_line_newest_first(
    client_as: ClientAs, audit_data: dict[str, Any]
) -> None:
    client = client_as("compliance")
    response = client.get(reverse("console:audit_log"))
    assert response.status_code == 200
    lines = audit_data["lines"]
    assert rows_of(response) == [lines["other"], lines["denied"], lines["viewed"], lines["login"]]
    body = response.content.decode()
    assert "ana" in body and "luis" in body
    assert "CLI-7" in body
    assert "edit_strategy" in body  # the detail
    assert reverse("console:customer_consents", args=[audit_data["customer"].pk]) in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"username": "AN"}, ["viewed", "login"]),
        ({"action": "denied"}, ["denied"]),
        ({"customer": "CLI-7"}, ["viewed"]),
        ({"customer": "52123456"}, ["viewed"]),
        ({"since": "2026-03-02", "until": "2026-03-03"}, ["denied", "viewed"]),
        ({"until": "2026-03-01"}, ["login"]),
    ],
)
def test_the_audit_log_filters(
    client_as: ClientAs, audit_data: dict[str, Any], params: dict[str, str], expected: list[str]
) -> None:
    response = client_as("compliance").get(reverse("console:audit_log"), params)
    lines = audit_data["lines"]
    assert rows_of(response) == [lines[name] for name in expected]


def test_the_audit_log_filters_by_creditor_and_customer_id(
    client_as: ClientAs, audit_data: dict[str, Any]
) -> None:
    client = client_as("compliance")
    response = client.get(reverse("console:audit_log"), {"creditor": audit_data["other"].pk})
    assert rows_of(response) == [audit_data["lines"]["other"]]
    response = client.get(reverse("console:audit_log"), {"customer": audit_data["customer"].pk})
    assert rows_of(response) == [audit_data["lines"]["viewed"]]


def test_a_reversed_period_is_refused_with_a_clear_error(client_as: ClientAs) -> None:
    response = client_as("compliance").get(
        reverse("console:audit_log"), {"since": "2026-03-05", "until": "2026-03-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["until"]
    assert "2026-03-01" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_the_audit_log_pages_by_keyset(
    client_as: ClientAs, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recaudo.console.views import compliance

    monkeypatch.setattr(compliance, "PAGE_SIZE", 3)
    user = make_user("agent", username="paginada")
    lines = [audit_line(user, AuditAction.LOGIN, at(2026, 3, 1, 8, minute)) for minute in range(7)]
    client = client_as("compliance")
    seen: list[AuditEntry] = []
    query = "username=paginada"
    for _page in range(3):
        response = client.get(f"{reverse('console:audit_log')}?{query}")
        seen += rows_of(response)
        query = response.context["next_query"]
        if query is None:
            break
    assert seen == list(reversed(lines))
    assert query is None


def test_the_audit_log_page_runs_a_fixed_number_of_queries(
    client_as: ClientAs, audit_data: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client = client_as("compliance")
    url = reverse("console:audit_log")
    client.get(url)  # the session and the user's roles are read on every request
    # session, user, roles (groups), creditors of the filter, the page of lines
    with django_assert_num_queries(5):
        client.get(url)
    user = make_user("agent")
    for day in range(1, 20):
        audit_line(
            user, AuditAction.VIEWED_CUSTOMER, at(2026, 2, day), customer=audit_data["customer"]
        )
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(rows_of(response)) == 23


def test_the_csv_export_has_the_filtered_rows_and_is_audited(
    client_as: ClientAs, audit_data: dict[str, Any]
) -> None:
    client = client_as("compliance")
    response = client.get(reverse("console:audit_log_export"), {"username": "ana"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3  # header + ana's two lines, newest first
    assert [row[1] for row in rows[1:]] == ["ana", "ana"]
    assert rows[1][4] == "CLI-7"
    exported = AuditEntry.objects.get(action=AuditAction.EXPORTED)
    assert exported.user == client.user
    assert exported.detail == {"export": "audit_log", "filters": {"username": "ana"}}


def test_the_csv_export_neutralises_formulas(client_as: ClientAs) -> None:
    audit_line(None, AuditAction.LOGIN_FAILED, at(2026, 3, 1), username="=HYPERLINK(1)")
    response = client_as("compliance").get(reverse("console:audit_log_export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "'=HYPERLINK(1)" in text


# 2. Blocked messages -----------------------------------------------------------------------


@pytest.fixture
def blocked_data() -> dict[str, Any]:
    bank = make_creditor(name="Banco Norte")
    other = make_creditor(name="Banco Sur")
    customer = make_customer(bank, first_name="Rosa", last_name="Díaz")
    account = make_account(customer, external_id="A-1001")
    point = make_contact_point(customer)
    Consent.objects.create(
        contact_point=point, channel="sms", granted=True, source="import", at=at(2026, 1, 1)
    )
    hours = blocked_message(customer, account=account, point=point, created=at(2026, 3, 14, 20, 30))
    sunday = blocked_message(
        customer,
        rule="CO.days",
        source="Ley 2300 de 2023, art. 3: Monday to Saturday",
        reasons=["No se contacta el domingo en Colombia (2026-03-15, America/Bogota)."],
        channel="whatsapp",
        account=account,
        point=point,
        created=at(2026, 3, 15, 9),
    )
    cancelled = blocked_message(
        customer,
        rule="",
        source="",
        reasons=[],
        status=MessageStatus.CANCELLED,
        account=account,
        point=point,
        created=at(2026, 3, 16, 9),
        error="promise active",
    )
    elsewhere = blocked_message(make_customer(other), created=at(2026, 3, 10, 21))
    sent = Message.objects.create(
        creditor=bank,
        customer=customer,
        direction="outbound",
        channel="sms",
        address=point.value,
        status=MessageStatus.SENT,
    )
    return {
        "bank": bank,
        "other": other,
        "customer": customer,
        "account": account,
        "hours": hours,
        "sunday": sunday,
        "cancelled": cancelled,
        "elsewhere": elsewhere,
        "sent": sent,
    }


def listed(response: Any) -> list[Message]:
    return [row.message for row in response.context["rows"]]


@time_machine.travel(at(2026, 3, 22, 10), tick=False)  # a Sunday in Bogotá
def test_blocked_messages_show_rule_source_reasons_customer_and_next_time(
    client_as: ClientAs, blocked_data: dict[str, Any]
) -> None:
    response = client_as("compliance").get(reverse("console:blocked_messages"))
    assert response.status_code == 200
    data = blocked_data
    # Newest first; a sent message is not listed.
    assert listed(response) == [data["cancelled"], data["sunday"], data["hours"], data["elsewhere"]]
    body = response.content.decode()
    assert "CO.hours" in body and "CO.days" in body
    assert "Ley 2300 de 2023, art. 3: Monday to Saturday" in body
    assert "20:30 está fuera del horario." in body
    assert "promise active" in body  # a cancelled message's reason
    with translation.override("es"):
        assert describe_rule("CO.hours").title in body
    customer = data["customer"]
    assert f'href="/console/customers/{customer.pk}/"' in body
    explain = reverse("console:account_explain", args=[data["account"].pk])
    assert f"{explain}?as_of=2026-03-14" in body
    # Now (Sunday 10:00) Colombia allows no contact, nor on Monday 23 (San José, a festivo
    # moved to Monday): the next allowed time is Tuesday at 07:00.
    row = response.context["rows"][2]
    assert row.now is not None and row.now.rule == "CO.days"
    assert row.next_allowed_at == at(2026, 3, 24, 7)
    assert "2026-03-24 07:00" in body


def test_blocked_messages_count_by_rule_for_the_period(
    client_as: ClientAs, blocked_data: dict[str, Any]
) -> None:
    response = client_as("compliance").get(
        reverse("console:blocked_messages"),
        {"creditor": blocked_data["bank"].pk, "rule": "CO.days"},
    )
    counts = {rule.rule: count for rule, count in response.context["counts"]}
    # The counts ignore the rule filter (they are the period's breakdown) ...
    assert counts == {"CO.hours": 1, "CO.days": 1, "": 1}
    # ... the list does not.
    assert listed(response) == [blocked_data["sunday"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "whatsapp"}, ["sunday"]),
        ({"rule": "CO.hours"}, ["hours", "elsewhere"]),
        ({"rule": "CO."}, ["sunday", "hours", "elsewhere"]),
        ({"status": "cancelled"}, ["cancelled"]),
        ({"since": "2026-03-14", "until": "2026-03-15"}, ["sunday", "hours"]),
        ({"until": "2026-03-10"}, ["elsewhere"]),
    ],
)
def test_blocked_messages_filters(
    client_as: ClientAs,
    blocked_data: dict[str, Any],
    params: dict[str, str],
    expected: list[str],
) -> None:
    response = client_as("compliance").get(reverse("console:blocked_messages"), params)
    assert listed(response) == [blocked_data[name] for name in expected]


def test_blocked_messages_filter_by_creditor(
    client_as: ClientAs, blocked_data: dict[str, Any]
) -> None:
    response = client_as("compliance").get(
        reverse("console:blocked_messages"), {"creditor": blocked_data["other"].pk}
    )
    assert listed(response) == [blocked_data["elsewhere"]]


def test_the_blocked_list_runs_a_fixed_number_of_queries(
    client_as: ClientAs, blocked_data: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client = client_as("compliance")
    url = reverse("console:blocked_messages")
    client.get(url)
    # session, user, roles, creditors of the filter, counts by rule, the page of messages,
    # and the policy's inputs of the page's customers (7, whatever their number)
    expected = 13
    with django_assert_num_queries(expected):
        client.get(url)
    for number in range(10):
        customer = make_customer(blocked_data["bank"])
        blocked_message(customer, account=make_account(customer), created=at(2026, 3, 1 + number))
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(listed(response)) == 14


# 3. Explain an account ---------------------------------------------------------------------


@pytest.fixture
def planned_creditor() -> Creditor:
    from recaudo.strategies.default_strategy import install_default_strategy
    from tests.strategies.conftest import approve_templates

    creditor = make_creditor(name="Banco Explica")
    approve_templates(creditor)
    install_default_strategy(creditor)
    return creditor


def opted_out_account(creditor: Creditor) -> Account:
    """Three days late on 2026-03-10: the payment link goes by WhatsApp, which the customer
    authorised and then withdrew."""
    from tests.strategies.conftest import past_due_account

    account = past_due_account(creditor, 3)
    point = account.customer.contact_points.get()
    for channel in ("whatsapp", "sms"):
        Consent.objects.create(
            contact_point=point, channel=channel, granted=True, source="import", at=at(2026, 1, 5)
        )
    Consent.objects.create(
        contact_point=point,
        channel="whatsapp",
        granted=False,
        source="whatsapp reply",
        at=at(2026, 2, 1),
    )
    return account


def test_explain_names_the_rule_that_blocks_a_contact(
    client_as: ClientAs, planned_creditor: Creditor
) -> None:
    account = opted_out_account(planned_creditor)
    blocked_message(
        account.customer,
        rule="CO.opt_out",
        source="Ley 1581 de 2012, art. 8; Ley 2300 de 2023",
        reasons=["El cliente se dio de baja de este canal: whatsapp."],
        channel="whatsapp",
        account=account,
        created=at(2026, 3, 9),
    )
    client = client_as("compliance")
    response = client.get(
        reverse("console:account_explain", args=[account.pk]), {"as_of": "2026-03-10"}
    )
    assert response.status_code == 200
    steps = response.context["steps"]
    refused = [row for row in steps if row.item.decision and not row.item.decision.allowed]
    assert len(refused) == 1
    row = refused[0]
    assert row.item.message_channel == "whatsapp"
    assert row.item.decision.rule == "CO.opt_out"
    body = response.content.decode()
    assert "CO.opt_out" in body
    assert "Ley 1581 de 2012, art. 8" in body  # the legal source
    for reason in row.item.decision.reasons:
        assert reason in body
    # The steps that do not fire say why (the planner's reason labels).
    assert any(not step.fires for step in steps)
    # The address is masked, the account's recent messages are listed with their outcome.
    assert account.customer.contact_points.get().value not in body
    assert "El cliente se dio de baja de este canal: whatsapp." in body
    # Opening it is audited as viewing the customer.
    entry = AuditEntry.objects.get(action=AuditAction.VIEWED_CUSTOMER, user=client.user)
    assert entry.account == account and entry.customer == account.customer
    assert entry.detail == {"view": "explain", "as_of": "2026-03-10"}


def test_explain_shows_an_allowed_contact_with_its_rule(
    client_as: ClientAs, planned_creditor: Creditor
) -> None:
    from tests.strategies.conftest import past_due_account

    account = past_due_account(planned_creditor, 3)
    point = account.customer.contact_points.get()
    Consent.objects.create(
        contact_point=point, channel="whatsapp", granted=True, source="import", at=at(2026, 1, 5)
    )
    response = client_as("admin").get(
        reverse("console:account_explain", args=[account.pk]), {"as_of": "2026-03-10"}
    )
    allowed = [
        row for row in response.context["steps"] if row.item.decision and row.item.decision.allowed
    ]
    assert [row.item.decision.rule for row in allowed] == ["CO.allowed"]
    assert "CO.allowed" in response.content.decode()


def test_explain_defaults_to_today_in_the_creditors_zone(
    client_as: ClientAs, known: dict[str, Any]
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 11, 3, 0, tzinfo=dt.UTC), tick=False):
        response = client_as("compliance").get(
            reverse("console:account_explain", args=[known["account"].pk])
        )
    # 03:00 UTC is still the 10th in Bogotá.
    assert response.context["as_of"] == dt.date(2026, 3, 10)


def test_the_account_lookup_opens_the_explanation(
    client_as: ClientAs, known: dict[str, Any]
) -> None:
    client = client_as("compliance")
    account = known["account"]
    response = client.get(reverse("console:explain_lookup"), {"account": account.external_id})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:account_explain", args=[account.pk])
    response = client.get(reverse("console:explain_lookup"), {"account": "NOPE"})
    assert response.status_code == 200
    assert "NOPE" in response.content.decode()
    assert response.context["form"].errors["account"]


def test_the_blocked_list_links_to_the_explanation(
    client_as: ClientAs, blocked_data: dict[str, Any]
) -> None:
    response = client_as("compliance").get(reverse("console:blocked_messages"))
    assert reverse("console:account_explain", args=[blocked_data["account"].pk]) in (
        response.content.decode()
    )


# 4. Consent history ------------------------------------------------------------------------


@pytest.fixture
def consent_data() -> dict[str, Any]:
    creditor = make_creditor()
    customer = make_customer(
        creditor,
        external_id="CLI-C",
        document_number="79123456",
        preferred_channels=["whatsapp", "email"],
        preferred_hours_start=dt.time(9, 0),
        preferred_hours_end=dt.time(18, 0),
    )
    phone = make_contact_point(customer, value="+573001112233")
    email = make_contact_point(
        customer, medium="email", value="rosa.diaz@correo.com", status="opted_out"
    )
    rows = {
        "sms_granted": Consent.objects.create(
            contact_point=phone, channel="sms", granted=True, source="import", at=at(2026, 1, 1)
        ),
        "whatsapp_granted": Consent.objects.create(
            contact_point=phone,
            channel="whatsapp",
            granted=True,
            source="web form",
            at=at(2026, 1, 2),
        ),
        "whatsapp_withdrawn": Consent.objects.create(
            contact_point=phone,
            channel="whatsapp",
            granted=False,
            source="whatsapp reply",
            at=at(2026, 2, 1),
        ),
        "email_granted": Consent.objects.create(
            contact_point=email, channel="email", granted=True, source="agent", at=at(2026, 1, 3)
        ),
    }
    return {"customer": customer, "phone": phone, "email": email, "rows": rows}


def test_the_consent_history_lists_every_row_newest_first_with_the_state_in_force(
    client_as: ClientAs, consent_data: dict[str, Any]
) -> None:
    client = client_as("compliance")
    customer = consent_data["customer"]
    response = client.get(reverse("console:customer_consents", args=[customer.pk]))
    assert response.status_code == 200
    rows = consent_data["rows"]
    histories = {entry.point: entry for entry in response.context["histories"]}
    phone = histories[consent_data["phone"]]
    assert [row.consent for row in phone.history] == [
        rows["whatsapp_withdrawn"],
        rows["whatsapp_granted"],
        rows["sms_granted"],
    ]
    assert [row.in_force for row in phone.history] == [True, False, True]
    assert {consent.channel: consent.granted for consent in phone.current} == {
        "sms": True,
        "whatsapp": False,
    }
    email = histories[consent_data["email"]]
    assert email.opted_out
    body = response.content.decode()
    # Masked contact points and document, never the whole value.
    assert "+573001112233" not in body and "2233" in body
    assert "rosa.diaz@correo.com" not in body and "r***@correo.com" in body
    assert "79123456" not in body and "3456" in body
    # Sources, preferences and the policy's reading (opted out of e-mail and WhatsApp).
    for source in ("import", "web form", "whatsapp reply", "agent"):
        assert source in body
    assert "09:00" in body and "18:00" in body
    policy = response.context["policy"]
    assert policy["jurisdiction"] == "CO"
    assert set(policy["opted_out"]) == {"email", "whatsapp"}
    assert policy["authorised"] == ("sms",)
    assert f'href="/console/customers/{customer.pk}/"' in body


def test_opening_the_consent_history_is_audited(
    client_as: ClientAs, consent_data: dict[str, Any]
) -> None:
    client = client_as("compliance")
    customer = consent_data["customer"]
    client.get(reverse("console:customer_consents", args=[customer.pk]))
    entry = AuditEntry.objects.get(action=AuditAction.VIEWED_CUSTOMER)
    assert entry.user == client.user
    assert entry.customer == customer and entry.creditor_id == customer.creditor_id
    assert entry.detail == {"view": "consents"}
    # The compliance officer then finds it in the audit log.
    response = client.get(reverse("console:audit_log"), {"customer": "CLI-C"})
    assert rows_of(response) == [entry]


def test_the_consent_history_runs_a_fixed_number_of_queries(
    client_as: ClientAs, consent_data: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client = client_as("compliance")
    customer = consent_data["customer"]
    url = reverse("console:customer_consents", args=[customer.pk])
    client.get(url)
    # session, user, roles, customer, contact points, consents, the policy's inputs (7),
    # the audit line
    expected = 14
    with django_assert_num_queries(expected):
        client.get(url)
    for day in range(1, 15):
        Consent.objects.create(
            contact_point=consent_data["phone"],
            channel="sms",
            granted=day % 2 == 0,
            source="agent",
            at=at(2026, 2, day),
        )
    make_contact_point(customer)
    with django_assert_num_queries(expected):
        client.get(url)


def test_the_customer_lookup_opens_the_consent_history(
    client_as: ClientAs, consent_data: dict[str, Any]
) -> None:
    client = client_as("compliance")
    customer = consent_data["customer"]
    response = client.get(reverse("console:consent_lookup"), {"q": "79123456"})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:customer_consents", args=[customer.pk])
    response = client.get(reverse("console:consent_lookup"), {"q": "nadie"})
    assert response.context["form"].errors["q"]


# 5. The Django admin -----------------------------------------------------------------------


def test_the_admin_shows_the_audit_log_read_only(audit_data: dict[str, Any]) -> None:
    admin_user = make_user("admin")
    client = Client()
    client.force_login(admin_user)
    entry = audit_data["lines"]["viewed"]
    listing = client.get("/admin/staff/auditentry/")
    assert listing.status_code == 200
    assert "ana" in listing.content.decode()
    detail = client.get(f"/admin/staff/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert 'type="submit"' not in detail.content.decode().split('id="auditentry_form"')[-1]
    assert client.get("/admin/staff/auditentry/add/").status_code == 403
    assert client.get(f"/admin/staff/auditentry/{entry.pk}/delete/").status_code == 403
    response = client.post(f"/admin/staff/auditentry/{entry.pk}/change/", {"username": "x"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.username == "ana"


def test_the_admin_hides_the_audit_log_from_non_administrators(
    audit_data: dict[str, Any],
) -> None:
    user = make_user("compliance")
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/admin/staff/auditentry/").status_code == 403


def test_the_audit_log_export_keeps_no_full_document_number(client_as: ClientAs) -> None:
    client = client_as("compliance")

    client.get(reverse("console:audit_log_export"), {"customer": "1020304050"})

    exported = AuditEntry.objects.get(action=AuditAction.EXPORTED)
    assert "1020304050" not in exported.path
    assert "4050" in exported.path
    assert exported.detail["filters"]["customer"] == "•••• 4050"


def test_a_refused_consent_lookup_keeps_no_full_document_number_in_the_audit(
    client_as: ClientAs,
) -> None:
    client_as("agent").get(reverse("console:consent_lookup"), {"q": "1020304050"})

    entry = AuditEntry.objects.get(action=AuditAction.DENIED)
    assert entry.path.startswith(reverse("console:consent_lookup") + "?q=")
    assert "1020304050" not in entry.path and "4050" in entry.path


def test_the_full_timeline_page_is_audited_and_its_htmx_pages_are_not(
    client_as: ClientAs,
) -> None:
    customer = make_customer(make_creditor())
    make_account(customer)
    client = client_as("agent")
    url = reverse("console:customer_timeline", args=[customer.pk])

    client.get(url, HTTP_HX_REQUEST="true")
    assert not AuditEntry.objects.filter(action=AuditAction.VIEWED_CUSTOMER).exists()

    response = client.get(url)

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.VIEWED_CUSTOMER)
    assert entry.customer == customer and entry.user == client.user
    assert entry.detail == {"view": "timeline"}


def test_the_audit_log_detail_reads_as_lines_not_a_python_dict(client_as: ClientAs) -> None:
    # Regression: the detail column showed ``{'created': [None, {...}]}``.
    eva = make_user("strategist", username="eva")
    created = {"name": "WhatsApp first", "segment": "general"}
    audit_line(
        eva,
        AuditAction.EDITED,
        at(2026, 3, 5),
        detail={"object": "experiment", "id": 3, "changes": {"created": [None, created]}},
    )
    audit_line(
        eva,
        AuditAction.EDITED,
        at(2026, 3, 6),
        detail={"object": "step", "id": 4, "changes": {"name": ["Old", "New"]}},
    )
    body = client_as("compliance").get(reverse("console:audit_log")).content.decode()
    assert '<span class="kv">created: name: WhatsApp first; segment: general</span>' in body
    assert '<span class="kv">name: Old → New</span>' in body
    assert '<span class="kv">object: step</span>' in body
    assert "{&#x27;" not in body and "None" not in body
