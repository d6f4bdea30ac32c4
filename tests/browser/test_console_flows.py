"""In a real browser, the three flows of the issue: an agent takes a hand-off and registers a
promise; a strategist edits a template and sees the content check; a supervisor's dashboard draws
its charts. Elements are found by role and label, so the tests also check they have them."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from recaudo.analytics.models import DailyMetric
from recaudo.conversations.models import Conversation, ConversationStatus, Speaker, Turn
from recaudo.debts.models import Promise
from recaudo.staff.actions import open_task
from recaudo.staff.models import AuditEntry, Task, TaskKind, TaskStatus
from recaudo.strategies.models import Template, TemplateStatus
from tests.analytics.dashboard_rows import END, START, known_rows
from tests.browser.support import t
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_instalment,
)
from tests.strategies.template_factories import make_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOGOTA = ZoneInfo("America/Bogota")


def handed_off_customer() -> tuple[Task, Conversation]:
    """A customer who asked the assistant for a person on web chat: a hand-off in the queue."""
    now = timezone.now()
    customer = make_customer(first_name="José", last_name="Núñez", document_number="1020304050")
    account = make_account(
        customer,
        external_id="CR-001",
        balance=Decimal("900000"),
        overdue_amount=Decimal("200000"),
        days_past_due=20,
        stage="administrative",
        bucket="1-30",
    )
    make_instalment(
        account,
        number=1,
        due_date=timezone.localdate(timezone=BOGOTA) - dt.timedelta(days=20),
        amount_due=Decimal("200000"),
    )
    point = make_contact_point(customer, value="+573001112233")
    conversation = Conversation.objects.create(
        creditor=customer.creditor,
        channel="web",
        address="web:browser-test",
        customer=customer,
        account=account,
        status=ConversationStatus.HANDED_OFF,
        started_at=now - dt.timedelta(minutes=20),
        last_turn_at=now - dt.timedelta(minutes=5),
        handed_off_at=now - dt.timedelta(minutes=5),
    )
    assert point.pk
    Turn.objects.create(
        conversation=conversation,
        speaker=Speaker.CUSTOMER,
        text="quiero hablar con un asesor",
        at=now - dt.timedelta(minutes=5),
    )
    task, _new = open_task(
        customer,
        kind=TaskKind.HANDOFF,
        reason="Resumen: quiere acordar una fecha de pago",
        account=account,
        conversation=conversation,
    )
    return task, conversation


def test_an_agent_takes_a_handoff_and_registers_a_promise(page_as):
    task, conversation = handed_off_customer()
    page = page_as("agent")
    assert page.get_by_role("heading", name=t("My inbox")).is_visible()

    row = page.get_by_role("row").filter(has_text="José Núñez")
    assert row.get_by_text(t("hand-off to an adviser")).is_visible()
    row.get_by_role("button", name=t("Take")).click()

    page.wait_for_url(re.compile(reverse("console:conversation", args=[conversation.pk])))
    assert page.get_by_text("quiero hablar con un asesor").is_visible()
    page.get_by_role("link", name=t("Open the customer")).click()

    page.wait_for_url(re.compile(reverse("console:customer", args=[task.customer_id])))
    account = page.get_by_role("region", name=re.compile("CR-001"))
    account.get_by_text(t("Register a promise"), exact=True).click()
    promised = timezone.localdate(timezone=BOGOTA) + dt.timedelta(days=3)
    account.get_by_label(t("Amount promised (%(currency)s)") % {"currency": "COP"}).fill("200000")
    account.get_by_label(t("Promised date")).fill(promised.isoformat())
    account.get_by_role("button", name=t("Register the promise")).click()

    status = page.get_by_role("status").filter(has_text=t("Promise registered."))
    status.wait_for()
    promise = Promise.objects.get()
    assert (promise.amount, promise.promised_date) == (Decimal("200000"), promised)
    assert (promise.actor, promise.actor_name) == ("agent", page.user.get_username())
    task.refresh_from_db()
    assert (task.status, task.assigned_to) == (TaskStatus.ASSIGNED, page.user)
    audited = AuditEntry.objects.filter(user=page.user).values_list("action", flat=True)
    assert {"login", "viewed_conversation", "viewed_customer", "acted"} <= set(audited)


def test_a_strategist_edits_a_template_and_sees_the_content_check(page_as):
    creditor = make_creditor(name="Banco Andino")
    template = make_template(
        creditor, code="aviso-mora", name="Aviso de mora", status=TemplateStatus.APPROVED
    )
    page = page_as("strategist")

    page.get_by_role("navigation", name=t("Strategy")).get_by_role(
        "link", name=t("Templates")
    ).click()
    page.get_by_role("link", name="aviso-mora").click()
    page.wait_for_url(re.compile(r"/aviso-mora/"))
    assert page.get_by_text(t("Content check passed.")).is_visible()

    text = page.get_by_role("textbox", name=t("text").capitalize(), exact=True)
    text.fill(template.body + " Si no paga, irá a la cárcel.")

    problem = page.get_by_role("alert").filter(has_text="carcel")
    problem.wait_for()  # the live preview (htmx) ran the content check
    assert page.get_by_role("status").filter(has=problem).is_visible()  # announced (aria-live)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save as a new draft version")).click()

    draft = Template.objects.filter(creditor=creditor, code="aviso-mora").latest("version")
    assert draft.version == template.version + 1  # the approved version keeps sending
    assert draft.status == TemplateStatus.DRAFT and "cárcel" in draft.body
    saved = t("Version %(version)s saved as a draft; approve it to start sending it.")
    assert (
        page.get_by_role("status").filter(has_text=saved % {"version": draft.version}).is_visible()
    )
    approve = page.get_by_role(
        "button", name=t("Approve version %(version)s") % {"version": draft.version}
    )
    assert approve.is_disabled()  # the content check blocks the approval
    assert page.get_by_role("alert").filter(has_text="carcel").first.is_visible()


def test_a_supervisors_dashboard_draws_its_charts(page_as):
    creditor = make_creditor(name="Banco Andino", slug="banco-andino")
    DailyMetric.objects.bulk_create(known_rows(creditor))
    page = page_as("supervisor")
    page.get_by_role("navigation", name=t("Sections")).get_by_role(
        "link", name=t("Dashboards")
    ).click()
    page.wait_for_url(re.compile(reverse("console:dashboard")))

    page.goto(
        f"{reverse('console:dashboard')}?creditor={creditor.pk}&period=custom"
        f"&start={START.isoformat()}&end={END.isoformat()}"
    )
    page.wait_for_function(
        """() => typeof Chart !== "undefined" &&
            [...document.querySelectorAll("canvas[data-chart]")].length > 0 &&
            [...document.querySelectorAll("canvas[data-chart]")].every((c) => Chart.getChart(c))"""
    )

    drawn = page.evaluate(
        """() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
            const chart = Chart.getChart(canvas);
            return [canvas.dataset.chart, chart.data.datasets.length, canvas.width > 0];
        })"""
    )
    names = [name for name, _datasets, _sized in drawn]
    for chart in ("portfolio_by_bucket", "payments_by_day", "contact_by_channel", "promises"):
        assert chart in names
    assert all(datasets > 0 and sized for _name, datasets, sized in drawn)
    # Each chart is an image with a text alternative for screen readers.
    assert page.get_by_role("img").count() >= len(drawn)
    assert page.get_by_role("link", name=t("Export CSV")).is_visible()
