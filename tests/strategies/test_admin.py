import pytest
from django.contrib.auth.models import User
from django.test import Client

from recaudo.strategies.actions import install_default_templates
from recaudo.strategies.models import Experiment, Step, Strategy, Template, TemplateStatus, Variant
from tests.factories import make_creditor
from tests.strategies.template_factories import make_template


@pytest.fixture
def staff_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "x"))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/strategies/template/",
        "/admin/strategies/template/add/",
        "/admin/strategies/strategy/",
        "/admin/strategies/strategy/add/",
        "/admin/strategies/experiment/",
        "/admin/strategies/experiment/add/",
    ],
)
def test_pages_open_in_spanish(staff_client: Client, path: str) -> None:
    install_default_templates(make_creditor())
    response = staff_client.get(path, headers={"accept-language": "es"})
    assert response.status_code == 200
    assert "Administración de Recaudo" in response.content.decode()


def test_a_template_page_shows_the_preview_segments_and_findings(staff_client: Client) -> None:
    template = make_template(
        make_creditor(name="Banco Andino"), body="Hola {{ first_name }}, evite el embargo."
    )
    body = staff_client.get(f"/admin/strategies/template/{template.pk}/change/").content.decode()
    assert "Hola Maria, evite el embargo." in body
    assert "1 segmento (GSM-7" in body
    assert "embargo" in body
    assert "amenaza" in body.lower()


def test_an_approved_default_shows_its_whatsapp_provider_text(staff_client: Client) -> None:
    creditor = make_creditor()
    install_default_templates(creditor)
    template = Template.objects.get(
        creditor=creditor, code="reminder-before-due", channel="whatsapp"
    )
    body = staff_client.get(f"/admin/strategies/template/{template.pk}/change/").content.decode()
    assert "{{1}}" in body
    assert "Sin problemas" in body


def test_the_approve_action_approves_good_drafts_and_explains_refusals(
    staff_client: Client,
) -> None:
    creditor = make_creditor()
    good = make_template(creditor)
    bad = make_template(creditor, body="Última advertencia. {{ opt_out_text }}")
    response = staff_client.post(
        "/admin/strategies/template/",
        {"action": "approve_selected", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (TemplateStatus.APPROVED, TemplateStatus.DRAFT)
    assert good.approved_by is not None
    body = response.content.decode()
    # The check runs on the text as sent: an SMS is kept in GSM-7, so the accent is dropped.
    assert "lenguaje judicial" in body
    assert "«Ultima advertencia»" in body
    assert "1 plantilla aprobada" in body


def test_adding_a_template_with_an_unknown_variable_is_refused(staff_client: Client) -> None:
    creditor = make_creditor()
    data = {
        "creditor": creditor.pk,
        "code": "nuevo",
        "channel": "sms",
        "name": "Nuevo",
        "stage": "",
        "language": "es",
        "subject": "",
        "body": "Hola {{ nombre }}",
        "provider_template_name": "",
        "provider_template_params": "[]",
        "buttons": "[]",
    }
    response = staff_client.post("/admin/strategies/template/add/", data)
    assert response.status_code == 200
    assert "nombre" in response.content.decode()
    assert not Template.objects.filter(code="nuevo").exists()
    data["body"] = "Hola {{ first_name }}"
    make_template(creditor, code="nuevo", channel="sms")
    response = staff_client.post("/admin/strategies/template/add/", data)
    assert response.status_code == 302
    versions = Template.objects.filter(code="nuevo").order_by("version")
    assert list(versions.values_list("version", "status")) == [(1, "draft"), (2, "draft")]


def test_strategy_and_experiment_pages_show_their_inlines(staff_client: Client) -> None:
    creditor = make_creditor()
    strategy = Strategy.objects.create(creditor=creditor, name="Amable")
    Step.objects.create(
        strategy=strategy,
        order=1,
        name="Recordatorio",
        offset_days=-3,
        action="message",
        channel="sms",
        template_code="reminder-before-due",
    )
    experiment = Experiment.objects.create(
        creditor=creditor, name="Prueba", started_on="2026-12-01"
    )
    Variant.objects.create(experiment=experiment, name="champion", strategy=strategy)
    body = staff_client.get(f"/admin/strategies/strategy/{strategy.pk}/change/").content.decode()
    assert "reminder-before-due" in body
    body = staff_client.get(
        f"/admin/strategies/experiment/{experiment.pk}/change/"
    ).content.decode()
    assert "champion" in body
