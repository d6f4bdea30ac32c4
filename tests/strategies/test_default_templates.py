import datetime as dt
from collections import Counter

import pytest

from recaudo.strategies.actions import install_default_templates
from recaudo.strategies.default_templates import DEFAULT_TEMPLATES
from recaudo.strategies.models import Template, TemplateStatus
from recaudo.strategies.queries import latest_approved
from recaudo.strategies.templating import preview, template_errors, variables_in
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 10)

EXPECTED = {
    "reminder-before-due": {"sms", "whatsapp", "email", "push"},
    "due-today": {"sms", "whatsapp", "email"},
    "payment-link": {"sms", "whatsapp", "email"},
    "plan-offer": {"sms", "whatsapp", "email"},
    "voice-reminder": {"voice"},
    "adviser-followup": {"whatsapp", "email"},
    "pre-legal-notice": {"email", "letter"},
    "promise-reminder": {"sms", "whatsapp"},
    "promise-broken": {"sms", "whatsapp", "email"},
}
COUNTRIES = {
    "CO": ("COP", "America/Bogota"),
    "MX": ("MXN", "America/Mexico_City"),
    "CL": ("CLP", "America/Santiago"),
    "PE": ("PEN", "America/Lima"),
    "US": ("USD", "America/New_York"),
}


def test_every_code_and_channel_ships_once() -> None:
    found: dict[str, set[str]] = {}
    for default in DEFAULT_TEMPLATES:
        found.setdefault(default.code, set()).add(default.channel)
    assert found == EXPECTED
    assert max(Counter((t.code, t.channel) for t in DEFAULT_TEMPLATES).values()) == 1


def test_whatsapp_defaults_carry_the_provider_template_and_ordered_params() -> None:
    for default in DEFAULT_TEMPLATES:
        if default.channel != "whatsapp":
            continue
        assert default.provider_template_name.startswith("recaudo_")
        assert list(default.provider_template_params) == list(
            dict.fromkeys(variables_in(default.body))
        )
        assert all(len(button["title"]) <= 20 for button in default.buttons)


@pytest.mark.parametrize("country", sorted(COUNTRIES))
def test_every_default_passes_the_content_check(country: str) -> None:
    currency, timezone = COUNTRIES[country]
    creditor = make_creditor(
        name="Financiera Sol", country=country, currency=currency, timezone=timezone
    )
    assert install_default_templates(creditor) == len(DEFAULT_TEMPLATES)
    for template in Template.objects.filter(creditor=creditor):
        assert template_errors(template) == [], template
        result = preview(template, as_of=AS_OF)
        assert result.findings == [], (template.code, template.channel, result.findings)
        assert "{{" not in result.body
        if template.channel == "sms" and country != "US":
            assert (result.encoding, result.segments) == ("GSM-7", 2), result.body


def test_defaults_are_friendly_and_short() -> None:
    for default in DEFAULT_TEMPLATES:
        text = default.body.lower()
        # usted, never tú
        for word in (" tu ", " tienes", " puedes", " debes", "culpa", "moroso"):
            assert word not in f" {text} ", (default.code, word)
        assert len(default.body) < 1000


def test_install_is_idempotent_and_keeps_the_creditors_own_versions() -> None:
    creditor = make_creditor()
    Template.objects.create(
        creditor=creditor, code="payment-link", channel="sms", name="propia", body="Propio"
    )
    assert install_default_templates(creditor) == len(DEFAULT_TEMPLATES) - 1
    assert install_default_templates(creditor) == 0
    installed = latest_approved(creditor, "reminder-before-due", "whatsapp")
    assert installed is not None
    assert (installed.version, installed.status) == (1, TemplateStatus.APPROVED)
    assert installed.buttons[0]["title"] == "Pagar ahora"
    assert latest_approved(creditor, "payment-link", "sms") is None
