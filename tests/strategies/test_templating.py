import datetime as dt
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import translation

from recaudo.channels.models import Message
from recaudo.debts.models import Promise
from recaudo.strategies.links import make_payment_token, read_payment_token
from recaudo.strategies.templating import (
    babel_locale,
    check_rendered,
    preview,
    provider_body,
    render_for_message,
    template_errors,
    text_errors,
)
from tests.factories import make_account, make_creditor, make_customer, make_instalment
from tests.strategies.template_factories import make_template

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 10)


def message_for(template, account, **fields):  # type: ignore[no-untyped-def]
    return Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        direction="outbound",
        channel=template.channel,
        address="+573001234567",
        template=template,
        **fields,
    )


def colombian_account():  # type: ignore[no-untyped-def]
    creditor = make_creditor(name="Banco Andino")
    customer = make_customer(creditor, first_name="María", last_name="Gómez")
    return make_account(
        customer,
        balance=Decimal("450000"),
        overdue_amount=Decimal("150000"),
        days_past_due=12,
        next_due_date=dt.date(2026, 12, 15),
    )


def test_variables_are_formatted_for_the_customers_locale(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_PUBLIC_URL = "https://pagos.example.co/"
    account = colombian_account()
    template = make_template(
        account.creditor,
        channel="letter",
        body="{{ first_name }}|{{ full_name }}|{{ amount }}|{{ balance }}|{{ due_date }}|"
        "{{ days_past_due }}|{{ payment_methods }}|{{ creditor_name }}|{{ payment_link }}",
    )
    rendered = render_for_message(message_for(template, account), as_of=AS_OF)
    values = rendered.body.split("|")
    assert values[:8] == [
        "María",
        "María Gómez",
        "$150.000",
        "$450.000",
        "15 de diciembre de 2026",
        "12",
        "PSE, tarjeta, Efecty o corresponsales bancarios",
        "Banco Andino",
    ]
    assert values[8].startswith("https://pagos.example.co/p/")
    assert read_payment_token(values[8].rsplit("/", 1)[1]) == account.pk


def test_amount_is_the_balance_when_nothing_is_overdue_and_due_date_the_oldest_unpaid() -> None:
    creditor = make_creditor(country="MX", currency="MXN", timezone="America/Mexico_City")
    account = make_account(make_customer(creditor), balance=Decimal("1500.5"))
    make_instalment(
        account,
        due_date=dt.date(2026, 11, 3),
        amount_due=Decimal("500"),
        amount_paid=Decimal("500"),
    )
    make_instalment(
        account,
        due_date=dt.date(2026, 12, 3),
        amount_due=Decimal("500"),
        amount_paid=Decimal("200"),
    )
    template = make_template(
        creditor, channel="letter", body="{{ amount }}|{{ due_date }}|{{ instalment_amount }}"
    )
    rendered = render_for_message(message_for(template, account), as_of=AS_OF)
    assert rendered.body == "$1,500.50|3 de diciembre de 2026|$300.00"


def test_sms_text_is_plain_and_kept_in_gsm7() -> None:
    account = colombian_account()
    template = make_template(account.creditor)
    rendered = render_for_message(message_for(template, account), as_of=AS_OF)
    assert rendered.body == (
        "Hola, Maria. Le escribe Banco Andino. Su saldo es $150.000. "
        "Responda BAJA para no recibir mas mensajes por este medio."
    )
    assert rendered.payload["link"].startswith("http")


def test_the_texts_of_variables_follow_the_templates_language() -> None:
    account = colombian_account()
    template = make_template(account.creditor, language="en", body="{{ opt_out_text }}")
    with translation.override("es"):
        rendered = render_for_message(message_for(template, account), as_of=AS_OF)
    assert rendered.body == "Reply BAJA to stop receiving messages on this channel."


def test_sms_accents_are_kept_when_the_setting_says_so(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_SMS_GSM7 = False
    account = colombian_account()
    template = make_template(account.creditor)
    assert "María" in render_for_message(message_for(template, account), as_of=AS_OF).body


def test_email_has_an_escaped_html_part() -> None:
    account = colombian_account()
    account.customer.first_name = "<b>Ana</b>"
    account.customer.save()
    template = make_template(
        account.creditor,
        channel="email",
        subject="Su saldo: {{ amount }}",
        body="Hola, {{ first_name }}:\n\nPague en {{ payment_link }}\n\n{{ opt_out_text }}",
    )
    rendered = render_for_message(message_for(template, account), as_of=AS_OF)
    assert rendered.subject == "Su saldo: $150.000"
    assert "&lt;b&gt;Ana&lt;/b&gt;" in rendered.html
    assert "<b>Ana" not in rendered.html
    assert '<a href="http' in rendered.html
    assert rendered.payload["html"] == rendered.html
    assert "BAJA" in rendered.body


def test_whatsapp_maps_the_provider_template_and_its_parameters_in_order() -> None:
    account = colombian_account()
    template = make_template(
        account.creditor,
        channel="whatsapp",
        language="es",
        body="Hola, {{ first_name }}. Su cuota de {{ amount }} vence el {{ due_date }}.",
        provider_template_name="recaudo_recordatorio_pago",
        provider_template_params=["first_name", "amount", "{{ due_date }}"],
        buttons=[{"id": "pay", "title": "Pagar ahora", "url": "{{ payment_link }}"}],
    )
    message = message_for(template, account, payload={"tracking": "x"})
    payload = render_for_message(message, as_of=AS_OF).payload
    assert payload["template_name"] == "recaudo_recordatorio_pago"
    assert payload["template_language"] == "es"
    assert payload["template_params"] == ["María", "$150.000", "15 de diciembre de 2026"]
    assert payload["buttons"][0]["url"].startswith("http")
    assert payload["tracking"] == "x"
    assert provider_body(template) == "Hola, {{1}}. Su cuota de {{2}} vence el {{3}}."


def test_the_worker_can_check_what_it_is_about_to_send() -> None:
    account = colombian_account()
    good = make_template(account.creditor)
    message = message_for(good, account)
    assert check_rendered(message, render_for_message(message, as_of=AS_OF)) == []
    bad = make_template(account.creditor, body="{{ first_name }}: orden judicial.")
    message = message_for(bad, account)
    findings = check_rendered(message, render_for_message(message, as_of=AS_OF))
    assert {f.code for f in findings} == {"judicial_language", "missing_opt_out"}


def test_rendering_queries_only_what_the_template_uses(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    account = colombian_account()
    template = make_template(account.creditor, body="{{ first_name }} {{ amount }} {{ due_date }}")
    message = Message.objects.select_related("creditor", "customer", "account", "template").get(
        pk=message_for(template, account).pk
    )
    with django_assert_num_queries(0):
        render_for_message(message, as_of=AS_OF)


def test_a_message_without_template_goes_as_written() -> None:
    account = colombian_account()
    message = Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        direction="outbound",
        channel="sms",
        address="+573001234567",
        body="Texto libre",
    )
    assert render_for_message(message, as_of=AS_OF).body == "Texto libre"


def test_promise_variables_come_from_the_active_promise() -> None:
    account = colombian_account()
    Promise.objects.create(
        account=account,
        amount=Decimal("80000"),
        promised_date=dt.date(2026, 12, 20),
        actor="customer",
    )
    template = make_template(
        account.creditor, channel="letter", body="{{ promise_amount }} el {{ promise_date }}"
    )
    body = render_for_message(message_for(template, account), as_of=AS_OF).body
    assert body == "$80.000 el 20 de diciembre de 2026"


def test_unknown_variables_and_stray_syntax_are_errors() -> None:
    assert text_errors("Hola {{ first_name }}") == []
    (unknown,) = text_errors("Hola {{ nombre }}")
    assert "nombre" in unknown
    assert text_errors("{% if x %}hola{% endif %}")
    assert text_errors("Hola {{ first_name.upper }}")
    template = make_template(
        channel="whatsapp", provider_template_params=["first_name", "saldo"], body="Hola"
    )
    errors = template_errors(template)
    assert any("saldo" in error for error in errors)
    assert any("WhatsApp" in error for error in errors)


def test_preview_uses_a_sample_customer_and_counts_segments() -> None:
    creditor = make_creditor(name="Banco Andino")
    template = make_template(creditor)
    result = preview(template, as_of=AS_OF)
    assert result.body.startswith("Hola, Maria. Le escribe Banco Andino. Su saldo es $150.000.")
    assert (result.encoding, result.segments) == ("GSM-7", 1)
    assert result.findings == [] and result.errors == []
    assert result.ok


def test_preview_reports_findings() -> None:
    template = make_template(body="Hola {{ first_name }}, evite el embargo.")
    result = preview(template, as_of=AS_OF)
    assert {f.code for f in result.findings} == {"threat", "missing_opt_out"}


def test_preview_with_a_real_account() -> None:
    account = colombian_account()
    template = make_template(account.creditor, body="{{ full_name }} {{ amount }}")
    assert preview(template, account=account, as_of=AS_OF).body == "Maria Gomez $150.000"


def test_payment_tokens_are_short_signed_and_expire() -> None:
    token = make_payment_token(123456)
    assert len(token) < 32
    assert read_payment_token(token) == 123456
    with pytest.raises(signing.BadSignature):
        read_payment_token(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(signing.SignatureExpired):
        read_payment_token(token, max_age=dt.timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("language", "country", "locale"),
    [
        ("es", "CO", "es_CO"),
        ("es", "US", "es_US"),
        ("en", "US", "en_US"),
        ("es", "", "es"),
        ("es", "XX", "es"),
    ],
)
def test_babel_locale(language: str, country: str, locale: str) -> None:
    assert babel_locale(language, country) == locale
