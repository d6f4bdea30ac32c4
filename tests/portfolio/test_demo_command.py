from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings

from recaudo.channels.models import Message
from recaudo.customers.models import Consent, Customer
from recaudo.debts.models import Account, AccountEvent, Creditor, Instalment, Payment
from recaudo.staff.models import Task
from recaudo.staff.roles import roles_of

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def run_demo() -> str:
    output = StringIO()
    call_command("demo", "--no-serve", stdout=output)
    return output.getvalue()


def snapshot() -> tuple[int, ...]:
    models = (Account, Instalment, Payment, AccountEvent, Consent, Message, Task)
    return tuple(model.objects.count() for model in models)


def test_demo_sets_everything_up_and_running_it_again_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path

    banner = run_demo()

    assert "http://127.0.0.1:8000/console/" in banner
    assert set(Creditor.objects.values_list("slug", "currency", "timezone")) == {
        ("credito-andino", "COP", "America/Bogota"),
        ("financiera-del-valle", "MXN", "America/Mexico_City"),
    }
    assert Account.objects.count() == 5000
    assert Account.objects.filter(computed_as_of=timezone.localdate()).count() == 5000
    overdue_share = Account.objects.filter(days_past_due__gt=0).count() / 5000
    assert 0.5 < overdue_share < 0.7
    segments = set(Account.objects.values_list("segment", flat=True))
    assert {"preventivo", "temprana", "media", "tardia"} <= segments
    assert not Account.objects.filter(days_past_due__gt=90, segment="temprana").exists()
    assert Message.objects.filter(status="queued", template__isnull=False).count() > 100
    authorised = Customer.objects.filter(contact_points__consents__granted=True).distinct()
    assert 0.75 < authorised.count() / Customer.objects.count() < 0.99
    users = get_user_model().objects
    admin, agent = users.get(username="admin"), users.get(username="agente")
    assert admin.is_superuser and admin.check_password("recaudo-admin")
    assert not agent.is_staff and not agent.is_superuser and agent.check_password("recaudo-agente")
    assert roles_of(agent) == {"agent"} and roles_of(admin) == {"admin"}
    assert {user.username for user in users.all()} >= {"supervisor", "estratega", "cumplimiento"}
    before = snapshot()
    agent.set_password("changed")
    agent.save()

    run_demo()

    assert snapshot() == before
    agent.refresh_from_db()
    assert agent.check_password("recaudo-agente")
