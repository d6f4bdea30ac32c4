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


def test_saving_a_draft_never_undoes_an_approval_made_meanwhile() -> None:
    # Regression: the draft was read without a lock and the whole row saved, so an approval
    # committed between the read and the save was turned back into a draft.
    from unittest import mock

    from recaudo.strategies import actions
    from recaudo.strategies.models import Template

    creditor = make_creditor()
    draft = create_template_version(creditor, code="aviso", channel="sms", body=GOOD)
    real_errors = actions.template_errors

    def approve_meanwhile(template: Template) -> list[str]:
        # Another request approves the draft while this one is between its read and its write.
        Template.objects.filter(pk=draft.pk).update(status=TemplateStatus.APPROVED)
        return real_errors(template)

    with mock.patch.object(actions, "template_errors", side_effect=approve_meanwhile):
        saved = create_template_version(
            creditor, code="aviso", channel="sms", body=GOOD + " Gracias."
        )

    draft.refresh_from_db()
    assert (draft.status, draft.body) == (TemplateStatus.APPROVED, GOOD)
    assert (saved.version, saved.status) == (2, TemplateStatus.DRAFT)
    assert saved.body == GOOD + " Gracias."


def test_only_the_latest_version_can_be_approved(settings) -> None:  # type: ignore[no-untyped-def]
    # Regression: any draft could be approved, even one older than the newest version.
    from tests.strategies.template_factories import make_template

    settings.LANGUAGE_CODE = "en"
    creditor = make_creditor()
    old = make_template(creditor, code="aviso", version=1)
    newest = make_template(creditor, code="aviso", version=2)
    with pytest.raises(ValidationError) as refused:
        approve_template(old)
    assert "approve version 2 instead" in " ".join(refused.value.messages)
    old.refresh_from_db()
    assert old.status == TemplateStatus.DRAFT
    assert approve_template(newest).status == TemplateStatus.APPROVED


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_a_concurrent_approval_and_becomes_a_new_version() -> None:
    # Regression, with real concurrency (PostgreSQL row locks): the save read the draft without
    # a lock, waited only at its UPDATE and then wrote the whole row back as a draft.
    import threading

    from django.db import connection, transaction

    from recaudo.strategies.models import Template

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    creditor = make_creditor()
    draft = create_template_version(creditor, code="aviso", channel="sms", body=GOOD)
    locked, release = threading.Event(), threading.Event()

    def approve() -> None:  # another request's approval, holding the row lock a while
        try:
            with transaction.atomic():
                Template.objects.select_for_update().get(pk=draft.pk)
                locked.set()
                release.wait(10)
                Template.objects.filter(pk=draft.pk).update(status=TemplateStatus.APPROVED)
        finally:
            connection.close()

    approver = threading.Thread(target=approve)
    approver.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()
    saved = create_template_version(creditor, code="aviso", channel="sms", body=GOOD + " Hola.")
    approver.join(10)

    draft.refresh_from_db()
    assert (draft.status, draft.body) == (TemplateStatus.APPROVED, GOOD)
    assert (saved.version, saved.status, saved.body) == (2, TemplateStatus.DRAFT, GOOD + " Hola.")
