import pytest
from django.urls import reverse

from recaudo.staff.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("console:inbox"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login"))


def test_a_role_without_the_capability_gets_403_and_an_audit_line(client_as):
    client = client_as("strategist")

    response = client.get(reverse("console:inbox"))

    assert response.status_code == 403
    denied = AuditEntry.objects.get(action="denied")
    assert denied.user == client.user and denied.detail == {"capability": "inbox"}
