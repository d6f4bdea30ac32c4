"""The strategists' editors: segments with a live count, strategy steps, templates with a
preview and the content check, experiments; roles; fixed query counts on the list pages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import signing
from django.urls import reverse

from recaudo.portfolio.models import SegmentRule
from recaudo.selfservice.links import read_self_service_token
from recaudo.staff.models import AuditEntry
from recaudo.strategies.links import payment_link, read_payment_token
from recaudo.strategies.models import Experiment, Step, Strategy, Template, TemplateStatus
from tests.factories import make_account, make_creditor, make_customer
from tests.strategies.template_factories import make_template

pytestmark = pytest.mark.django_db

GOOD_SMS = (
    "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Su saldo es {{ amount }}. "
    "{{ opt_out_text }}"
)


@pytest.fixture
def creditor():  # type: ignore[no-untyped-def]
    return make_creditor(name="Banco Andino")


def _pages(creditor, strategy=None, template=None, experiment=None):  # type: ignore[no-untyped-def]
    pages = [
        f"{reverse('console:segments')}?creditor={creditor.pk}",
        f"{reverse('console:strategies')}?creditor={creditor.pk}",
        f"{reverse('console:templates')}?creditor={creditor.pk}",
        f"{reverse('console:experiments')}?creditor={creditor.pk}",
    ]
    if strategy:
        pages.append(reverse("console:strategy_steps", args=[strategy.pk]))
    if template:
        pages.append(
            reverse("console:template_edit", args=[creditor.pk, template.code, template.channel])
        )
    if experiment:
        pages.append(reverse("console:experiment", args=[experiment.pk]))
    return pages


def _experiment(creditor):  # type: ignore[no-untyped-def]
    one = Strategy.objects.create(creditor=creditor, name="One")
    two = Strategy.objects.create(creditor=creditor, name="Two")
    experiment = Experiment.objects.create(
        creditor=creditor, name="E", segment="general", started_on=dt.date(2026, 1, 1)
    )
    experiment.variants.create(name="champion", strategy=one, weight=50)
    experiment.variants.create(name="challenger", strategy=two, weight=50)
    return experiment


# --- roles ----------------------------------------------------------------------------------


def test_an_agent_gets_403_on_every_strategy_page(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("agent")
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    template = make_template(creditor)
    for url in _pages(creditor, strategy, template, _experiment(creditor)):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("console:segment_save"), {"creditor": creditor.pk})
    assert response.status_code == 403


def test_a_supervisor_reads_everything_but_changes_nothing(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("supervisor")
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    template = make_template(creditor)
    rule = SegmentRule.objects.create(creditor=creditor, segment="vip", customer_types=["vip"])
    for url in _pages(creditor, strategy, template, _experiment(creditor)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "read-only" in response.content.decode()
    page = client.get(f"{reverse('console:segments')}?creditor={creditor.pk}&rule={rule.pk}")
    assert b'name="min_balance"' not in page.content
    writes = [
        (reverse("console:segment_save"), {"creditor": creditor.pk, "segment": "x"}),
        (reverse("console:segment_active", args=[rule.pk]), {"active": "0"}),
        (reverse("console:segment_move", args=[rule.pk]), {"to_index": "0"}),
        (reverse("console:step_save", args=[strategy.pk]), {}),
        (reverse("console:template_approve", args=[template.pk]), {}),
        (reverse("console:template_retire", args=[template.pk]), {}),
        (reverse("console:experiment_create"), {"creditor": creditor.pk}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    rule.refresh_from_db()
    assert rule.active and SegmentRule.objects.count() == 1


def test_a_strategist_sees_the_editors(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("strategist")
    response = client.get(f"{reverse('console:segments')}?creditor={creditor.pk}&new=1")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="min_balance"' in body and 'hx-trigger="input changed delay:400ms' in body
    assert "próxima actualización" in body or "next refresh" in body


# --- segments -------------------------------------------------------------------------------


def _rule_data(creditor, **fields):  # type: ignore[no-untyped-def]
    data = {"creditor": creditor.pk, "segment": "late", "active": "on"}
    return data | fields


def test_the_live_count_takes_the_unsaved_rule_and_the_earlier_rules_precedence(
    client_as, creditor
) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(creditor)
    for _ in range(3):
        make_account(customer, balance=Decimal("5000000"), days_past_due=45)
    for _ in range(2):
        make_account(customer, balance=Decimal("1000"), days_past_due=45)
    make_account(customer, balance=Decimal("1000"), days_past_due=0)
    SegmentRule.objects.create(
        creditor=creditor, position=1, segment="large", min_balance=Decimal("1000000")
    )
    client = client_as("strategist")

    response = client.post(
        reverse("console:segment_count"), _rule_data(creditor, min_days_past_due="31")
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "<strong>2 " in text  # the three large late accounts went to «large» first
    assert "(5 " in text  # five match on their own
    assert SegmentRule.objects.count() == 1  # nothing saved

    # Editing the first rule: it would take every late account once it asks for them.
    large = SegmentRule.objects.get()
    response = client.post(
        reverse("console:segment_count"),
        _rule_data(creditor, rule_id=large.pk, segment="large", min_days_past_due="31"),
    )
    assert "<strong>5 " in response.content.decode()


def test_the_live_count_explains_an_invalid_rule(client_as, creditor, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    client = client_as("strategist")
    response = client.post(
        reverse("console:segment_count"),
        _rule_data(creditor, min_days_past_due="90", max_days_past_due="30"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "swap them" in response.content.decode()


def test_saving_a_rule_validates_writes_it_and_audits_what_changed(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("strategist")
    bad = client.post(
        reverse("console:segment_save"),
        _rule_data(creditor, min_balance="500", max_balance="100"),
    )
    assert bad.status_code == 400
    assert not SegmentRule.objects.exists()
    assert "errors" in bad.content.decode()

    data = _rule_data(creditor, min_days_past_due="31", stages=["administrative"])
    data["form_token"] = "t1"
    ok = client.post(reverse("console:segment_save"), data)
    assert ok.status_code == 302
    # A double click sends the same token: no second rule.
    client.post(reverse("console:segment_save"), data)
    rule = SegmentRule.objects.get()
    assert (rule.segment, rule.min_days_past_due, rule.stages) == ("late", 31, ["administrative"])
    entry = AuditEntry.objects.get(action="edited")
    assert entry.user == client.user and entry.creditor_id == creditor.pk
    assert entry.detail["object"] == "segment_rule"
    assert entry.detail["changes"]["min_days_past_due"] == [None, 31]


def test_rules_move_and_deactivate_from_the_page(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    first = SegmentRule.objects.create(creditor=creditor, position=1, segment="a")
    second = SegmentRule.objects.create(creditor=creditor, position=2, segment="b")
    client = client_as("strategist")

    client.post(reverse("console:segment_move", args=[second.pk]), {"to_index": "0"})
    client.post(reverse("console:segment_active", args=[first.pk]), {"active": "0"})

    assert list(SegmentRule.objects.order_by("position").values_list("segment", "active")) == [
        ("b", True),
        ("a", False),
    ]
    assert AuditEntry.objects.filter(action="edited").count() == 2


# --- strategies and steps -------------------------------------------------------------------


def test_a_step_with_a_template_not_approved_is_refused_and_a_good_one_saved(
    client_as, creditor, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    make_template(creditor, code="reminder", channel="sms", status=TemplateStatus.APPROVED)
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    client = client_as("strategist")
    data = {
        "name": "Reminder",
        "trigger": "due_date",
        "offset_days": "-3",
        "stage": "",
        "action": "message",
        "channel": "whatsapp",
        "template_code": "reminder",
        "conditions": '{"no_active_promise": true}',
    }
    bad = client.post(reverse("console:step_save", args=[strategy.pk]), data)
    assert bad.status_code == 400
    assert "no approved template" in bad.content.decode()

    bad_json = client.post(
        reverse("console:step_save", args=[strategy.pk]),
        data | {"channel": "sms", "conditions": '{"colour": 1}'},
    )
    assert bad_json.status_code == 400 and "Unknown conditions" in bad_json.content.decode()

    ok = client.post(reverse("console:step_save", args=[strategy.pk]), data | {"channel": "sms"})
    assert ok.status_code == 302
    step = Step.objects.get()
    assert step.conditions == {"no_active_promise": True}
    assert AuditEntry.objects.get(action="edited").detail["object"] == "step"

    client.post(reverse("console:step_remove", args=[step.pk]), {"strategy_id": strategy.pk})
    assert not Step.objects.exists()


def test_the_steps_list_shows_conditions_in_words_and_the_form_keeps_the_json(
    client_as, creditor
) -> None:  # type: ignore[no-untyped-def]
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    conditions = {"min_days_past_due": 31, "max_days_past_due": 60, "channels": ["whatsapp"]}
    step = Step.objects.create(
        strategy=strategy,
        order=10,
        name="x",
        offset_days=0,
        action="call_task",
        conditions=conditions,
    )
    Step.objects.create(strategy=strategy, order=20, name="y", offset_days=0, action="call_task")
    client = client_as("strategist")
    page = reverse("console:strategy_steps", args=[strategy.pk])
    body = client.get(page).content.decode()
    assert "días de mora de 31 a 60 · canales WhatsApp (primero el preferido del cliente)" in body
    assert "min_days_past_due" not in body.split("<tbody>")[1].split("</tbody>")[0]
    form = client.get(f"{page}?step={step.pk}").content.decode().split('id="step-form"')[1]
    textarea = re.search(r'<textarea name="conditions"[^>]*>(.*?)</textarea>', form, re.S)
    assert textarea is not None and "&quot;min_days_past_due&quot;: 31" in textarea.group(1)


def test_a_step_id_that_is_not_a_number_is_not_found(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    # Regression: ``?step=abc`` and a posted ``step_id=abc`` answered 500.
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    client = client_as("strategist")
    page = reverse("console:strategy_steps", args=[strategy.pk])
    assert client.get(f"{page}?step=abc").status_code == 404
    response = client.post(
        reverse("console:step_save", args=[strategy.pk]), {"step_id": "abc", "name": "x"}
    )
    assert response.status_code == 404
    assert not Step.objects.exists()


def test_a_write_without_a_known_creditor_is_refused(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    # Regression: a missing or unknown posted creditor fell back to the first creditor, so the
    # rule, template or experiment was written into another creditor's data.
    make_creditor(name="Aaa Primero")  # first by name: the old fallback
    one = Strategy.objects.create(creditor=creditor, name="One")
    two = Strategy.objects.create(creditor=creditor, name="Two")
    client = client_as("strategist")
    writes = [
        (reverse("console:segment_save"), _rule_data(creditor, segment="late")),
        (reverse("console:segment_count"), _rule_data(creditor, segment="late")),
        (reverse("console:template_save"), _template_data(creditor, GOOD_SMS)),
        (reverse("console:template_preview"), _template_data(creditor, GOOD_SMS)),
        (
            reverse("console:experiment_create"),
            {
                "creditor": creditor.pk,
                "name": "E",
                "segment": "",
                "started_on": "2026-01-01",
                "variant_1_name": "champion",
                "variant_1_strategy": one.pk,
                "variant_1_weight": "50",
                "variant_2_name": "challenger",
                "variant_2_strategy": two.pk,
                "variant_2_weight": "50",
            },
        ),
    ]
    for url, data in writes:
        for creditor_value in (None, "999999", "abc"):
            posted = {k: v for k, v in data.items() if k != "creditor"}
            if creditor_value is not None:
                posted["creditor"] = creditor_value
            response = client.post(url, posted)
            assert response.status_code == 400, (url, creditor_value)
            assert "acreedor" in response.content.decode(), url
    assert not SegmentRule.objects.exists()
    assert not Template.objects.exists()
    assert not Experiment.objects.exists()


# --- templates ------------------------------------------------------------------------------


def _template_data(creditor, body, **fields):  # type: ignore[no-untyped-def]
    return {
        "creditor": creditor.pk,
        "code": "aviso",
        "channel": "sms",
        "name": "Aviso",
        "stage": "",
        "language": "es",
        "subject": "",
        "body": body,
        "provider_template_name": "",
        "provider_template_params": "[]",
        "buttons": "[]",
        "sample_account": "",
    } | fields


def test_the_preview_shows_sms_segments_and_content_check_errors(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("strategist")
    response = client.post(
        reverse("console:template_preview"),
        _template_data(creditor, GOOD_SMS + " Si no paga, irá a la cárcel 😠"),
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "<q>carcel</q>" in text and "UCS-2" in text and "😠" in text
    assert "Hola, Maria" in text  # the invented sample customer, accents made GSM-7

    clean = client.post(reverse("console:template_preview"), _template_data(creditor, GOOD_SMS))
    text = clean.content.decode()
    assert "GSM-7" in text and "1 segment" in text
    assert 'class="errors"' not in text


def test_the_preview_renders_a_real_account_chosen_by_external_id(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(creditor, first_name="Rosa", last_name="Pérez")
    make_account(customer, external_id="CTA-77")
    make_account(make_customer(creditor, first_name="Otro"), external_id="CTA-1")
    client = client_as("strategist", "supervisor")  # may edit the strategy and open customers
    response = client.post(
        reverse("console:template_preview"),
        _template_data(
            creditor,
            "Hola {{ first_name }}, cuenta {{ external_id }}. {{ opt_out_text }}",
            sample_account="CTA-77",
        ),
    )
    assert "Hola Rosa, cuenta CTA-77" in response.content.decode()
    missing = client.post(
        reverse("console:template_preview"),
        _template_data(creditor, "Hola {{ first_name }}", sample_account="NOPE"),
    )
    assert "NOPE" in missing.content.decode()


LEAKY_BODY = (
    "{{ full_name }} {{ balance }} {{ self_service_link }} {{ payment_link }} {{ opt_out_text }}"
)


def _signed_links(text: str) -> list[tuple[str, str]]:
    return re.findall(r"/([ps])/([^\s<\"']+)", text)


def _assert_no_working_token(text: str) -> None:
    links = _signed_links(text)
    assert links, "the preview shows the links"
    for kind, token in links:
        assert token.startswith("EJEMPLO"), token
        reader = read_payment_token if kind == "p" else read_self_service_token
        with pytest.raises(signing.BadSignature):
            reader(token)


def test_a_strategist_without_customer_access_previews_only_the_invented_customer(
    client_as, creditor
) -> None:  # type: ignore[no-untyped-def]
    # Regression: a strategist (no VIEW_CUSTOMERS) got a real customer's name, balance and
    # working /s/ and /p/ tokens by naming the account in ``sample_account``.
    customer = make_customer(creditor, first_name="Rosa", last_name="Pérez")
    account = make_account(customer, external_id="CTA-77", balance=Decimal("987654"))
    client = client_as("strategist")

    response = client.post(
        reverse("console:template_preview"),
        _template_data(creditor, LEAKY_BODY, sample_account="CTA-77"),
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Rosa" not in text and "987" not in text and "CTA-77" not in text.split("«")[0]
    assert "Maria Gomez Rojas" in text  # the invented customer (GSM-7)
    assert payment_link(account.pk).rsplit(".", 1)[0] not in text
    _assert_no_working_token(text)
    assert not AuditEntry.objects.filter(action="viewed_customer").exists()


def test_opening_the_editor_shows_no_real_customer(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    # Regression: the editor previewed "the creditor's first open account" on a plain GET.
    customer = make_customer(creditor, first_name="Rosa", last_name="Pérez")
    make_account(customer, external_id="CTA-77")
    template = make_template(creditor, body=LEAKY_BODY)
    for role in ("strategist", "supervisor"):
        page = client_as(role).get(
            reverse("console:template_edit", args=[creditor.pk, template.code, template.channel])
        )
        text = page.content.decode()
        assert page.status_code == 200
        assert "Rosa" not in text and "Maria Gomez Rojas" in text
        _assert_no_working_token(text)
    assert not AuditEntry.objects.filter(action="viewed_customer").exists()


def test_a_real_account_in_the_preview_is_audited_and_its_links_are_placeholders(
    client_as, creditor
) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(creditor, first_name="Rosa", last_name="Pérez")
    account = make_account(customer, external_id="CTA-77")
    client = client_as("admin")
    data = _template_data(creditor, LEAKY_BODY, sample_account="CTA-77")
    data["buttons"] = '[{"type": "url", "text": "Pagar", "url": "{{ payment_link }}"}]'

    response = client.post(reverse("console:template_preview"), data)

    text = response.content.decode()
    assert "Rosa Pérez" in text
    _assert_no_working_token(text)
    entry = AuditEntry.objects.get(action="viewed_customer")
    assert (entry.user, entry.account, entry.customer) == (client.user, account, customer)
    assert entry.detail == {"view": "template_preview"}


def test_a_supervisor_may_not_run_the_preview(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    # Regression: the preview (a POST) only needed VIEW_STRATEGY; supervisors are read-only.
    make_account(make_customer(creditor), external_id="CTA-77")
    client = client_as("supervisor")
    response = client.post(
        reverse("console:template_preview"),
        _template_data(creditor, LEAKY_BODY, sample_account="CTA-77"),
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="viewed_customer").exists()


def test_only_the_latest_version_is_approved_from_the_editor(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    # Regression: template_approve approved any draft id, even an older version.
    old = make_template(creditor, code="aviso", version=1)
    make_template(creditor, code="aviso", version=2)
    client = client_as("strategist")

    response = client.post(reverse("console:template_approve", args=[old.pk]), follow=True)

    old.refresh_from_db()
    assert old.status == TemplateStatus.DRAFT
    assert not Template.objects.filter(status=TemplateStatus.APPROVED).exists()
    assert "apruebe la versión 2" in response.content.decode()


def test_a_template_with_findings_cannot_be_approved(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("strategist")
    response = client.post(
        reverse("console:template_save"),
        _template_data(creditor, GOOD_SMS + " Evite el embargo."),
    )
    assert response.status_code == 302
    template = Template.objects.get()
    assert template.status == TemplateStatus.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert "disabled" in page and "embargo" in page

    client.post(reverse("console:template_approve", args=[template.pk]))
    template.refresh_from_db()
    assert template.status == TemplateStatus.DRAFT

    # Fixed (a draft is edited in place), it is approved; the audit says so.
    edit = _template_data(creditor, GOOD_SMS, existing="1")
    client.post(reverse("console:template_save"), edit)
    template.refresh_from_db()
    assert "embargo" not in template.body
    client.post(reverse("console:template_approve", args=[template.pk]))
    template.refresh_from_db()
    assert template.status == TemplateStatus.APPROVED and template.approved_by == client.user
    changes = [entry.detail["changes"] for entry in AuditEntry.objects.filter(action="edited")]
    assert {"status": ["draft", "approved"]} in changes

    # Editing an approved version makes version 2; retiring stops version 1.
    client.post(reverse("console:template_save"), edit | {"name": "Aviso 2"})
    assert Template.objects.filter(code="aviso").count() == 2
    client.post(reverse("console:template_retire", args=[template.pk]))
    template.refresh_from_db()
    assert template.status == TemplateStatus.RETIRED


def test_an_unknown_variable_is_refused_on_save(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    client = client_as("strategist")
    response = client.post(
        reverse("console:template_save"), _template_data(creditor, "Hola {{ apodo }}")
    )
    assert response.status_code == 400
    assert "apodo" in response.content.decode()
    assert not Template.objects.exists()


# --- experiments ----------------------------------------------------------------------------


def test_an_experiment_is_created_shown_and_stopped(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    one = Strategy.objects.create(creditor=creditor, name="One")
    two = Strategy.objects.create(creditor=creditor, name="Two")
    client = client_as("strategist")
    data = {
        "creditor": creditor.pk,
        "name": "WhatsApp first",
        "segment": "general",
        "started_on": "2026-01-01",
        "variant_1_name": "champion",
        "variant_1_strategy": one.pk,
        "variant_1_weight": "50",
        "variant_2_name": "challenger",
        "variant_2_strategy": two.pk,
        "variant_2_weight": "40",
    }
    bad = client.post(reverse("console:experiment_create"), data)
    assert bad.status_code == 400 and "100" in bad.content.decode()

    ok = client.post(reverse("console:experiment_create"), data | {"variant_2_weight": "50"})
    assert ok.status_code == 302
    experiment = Experiment.objects.get()
    assert experiment.variants.count() == 2
    page = client.get(ok["Location"]).content.decode()
    assert "champion" in page and ("muestra" in page or "sample" in page)

    client.post(reverse("console:experiment_stop", args=[experiment.pk]))
    experiment.refresh_from_db()
    assert not experiment.active and experiment.ended_on is not None


def test_the_experiment_start_date_is_prefilled_as_an_iso_date(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    # Regression: the Spanish page prefilled "01/12/2026", which ``<input type="date">`` drops,
    # so the form then failed as required.
    from recaudo.portfolio.io.refresh import today_for

    body = (
        client_as("strategist")
        .get(f"{reverse('console:experiments')}?creditor={creditor.pk}")
        .content.decode()
    )
    field = re.search(r'<input type="date" name="started_on"[^>]*>', body)
    assert field is not None
    assert f'value="{today_for(creditor).isoformat()}"' in field.group(0)


def test_a_rejected_experiment_keeps_its_start_date_as_an_iso_date(client_as, creditor) -> None:  # type: ignore[no-untyped-def]
    one = Strategy.objects.create(creditor=creditor, name="One")
    response = client_as("strategist").post(
        reverse("console:experiment_create"),
        {
            "creditor": creditor.pk,
            "name": "",
            "started_on": "2026-02-03",
            "variant_1_strategy": one.pk,
        },
    )
    assert response.status_code == 400
    field = re.search(r'<input type="date" name="started_on"[^>]*>', response.content.decode())
    assert field is not None and 'value="2026-02-03"' in field.group(0)


# --- query counts ---------------------------------------------------------------------------


def _grow(creditor, start: int, number: int) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(creditor)
    for index in range(start, start + number):
        SegmentRule.objects.create(
            creditor=creditor, position=index, segment=f"s{index}", min_days_past_due=index
        )
        make_account(customer, days_past_due=index, segment=f"s{index}")
        strategy = Strategy.objects.create(creditor=creditor, name=f"S{creditor.pk}-{index}")
        Step.objects.create(
            strategy=strategy, order=10, name="x", offset_days=0, action="call_task"
        )
        make_template(creditor, code=f"t-{index}", status=TemplateStatus.APPROVED)
        make_template(creditor, code=f"t-{index}", version=2)
        experiment = Experiment.objects.create(
            creditor=creditor, name=f"E{index}", started_on=dt.date(2026, 1, 1)
        )
        experiment.variants.create(name="champion", strategy=strategy, weight=100)


@pytest.mark.parametrize(
    ("name", "queries"),
    [("segments", 7), ("strategies", 5), ("templates", 5), ("experiments", 9)],
)
def test_each_list_page_runs_a_fixed_number_of_queries(
    client_as, creditor, django_assert_num_queries, name: str, queries: int
) -> None:  # type: ignore[no-untyped-def]
    client = client_as("strategist")
    url = f"{reverse('console:' + name)}?creditor={creditor.pk}"
    _grow(creditor, 0, 2)
    client.get(url)  # the session's first request writes its last-seen time
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(creditor, 2, 6)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
