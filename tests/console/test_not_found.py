"""The site's 404 page: styled, translated, a way back to the console only for staff."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ClientAs = Callable[..., Client]


def test_a_missing_customer_shows_the_styled_404_with_a_way_back(client_as: ClientAs) -> None:
    response = client_as("agent").get("/console/customers/99999/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    body = response.content.decode()
    assert "Página no encontrada" in body and "Not Found" not in body
    assert f'href="{reverse("console:home")}"' in body and "Volver a la consola" in body


def test_the_404_speaks_english_too(client_as: ClientAs, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    body = client_as("agent").get("/console/no-such-page/").content.decode()
    assert '<html lang="en">' in body and "Page not found" in body


def test_a_visitor_gets_no_link_to_the_console(client: Client) -> None:
    response = client.get("/console/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Página no encontrada" in body
    assert reverse("console:home") not in body
