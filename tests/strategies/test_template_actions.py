import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from recaudo.strategies.actions import (
    approve_template,
    create_template_version,
    retire_template,
)
from recaudo.strategies.models import TemplateStatus
from recaudo.strategies.queries import latest_approved
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db

GOOD = (
    "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Su saldo es {{ amount }}. "
    "{{ opt_out_text }}"
)


def test_a_new_template_starts_as_a_draft_version_1() -> None:
    creditor = make_creditor()
    template = create_template_version(creditor, code="aviso", channel="sms", body=GOOD)
    assert (template.version, template.status, template.name) == (1, TemplateStatus.DRAFT, "aviso")
    # Editing the draft changes it in place.
    again = create_template_version(creditor, code="aviso", channel="sms", body=GOOD + " Gracias.")
    assert again.pk == template.pk
    assert again.body.endswith("Gracias.")


def test_approving_then_changing_makes_a_new_draft_and_approval_retires_the_old() -> None:
    creditor = make_creditor()
    user = User.objects.create_user("aprobador")
    first = approve_template(
        create_template_version(creditor, code="aviso", channel="sms", body=GOOD), by=user
    )
    assert first.status == TemplateStatus.APPROVED
    assert first.approved_by == user and first.approved_at is not None
    second = create_template_version(creditor, code="aviso", channel="sms", name="Nuevo")
    assert (second.version, second.status, second.body) == (2, TemplateStatus.DRAFT, GOOD)
    assert latest_approved(creditor, "aviso", "sms") == first
    approve_template(second, by=None)
    first.refresh_from_db()
    assert first.status == TemplateStatus.RETIRED
    assert latest_approved(creditor, "aviso", "sms") == second


def test_approval_refuses_with_the_findings_in_spanish() -> None:
    creditor = make_creditor()
    template = create_template_version(
        creditor, code="duro", channel="sms", body="Pague hoy o procederemos al embargo."
    )
    with pytest.raises(ValidationError) as error:
        approve_template(template)
    text = " ".join(error.value.messages)
    assert "embargo" in text
    assert "amenaza" in text.lower()
    assert "BAJA" not in text
    template.refresh_from_db()
    assert template.status == TemplateStatus.DRAFT


def test_unknown_variables_are_refused_when_saving() -> None:
    with pytest.raises(ValidationError) as error:
        create_template_version(make_creditor(), code="x", channel="sms", body="Hola {{ nombre }}")
    assert "nombre" in error.value.messages[0]


def test_only_drafts_are_approved_and_retired_ones_are_not_sent() -> None:
    creditor = make_creditor()
    template = approve_template(
        create_template_version(creditor, code="aviso", channel="sms", body=GOOD)
    )
    with pytest.raises(ValidationError):
        approve_template(template)
    retire_template(template)
    assert latest_approved(creditor, "aviso", "sms") is None


def test_unknown_fields_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        create_template_version(make_creditor(), code="x", channel="sms", status="approved")
