from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.factories import make_user


@pytest.fixture
def client_as(client: Client) -> Callable[..., Client]:
    """``client_as("agent")``: the test client logged in as a new user with these roles."""

    def login(*roles: str) -> Client:
        user = make_user(*roles)
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]
        return client

    return login


@pytest.fixture(autouse=True)
def _spanish(settings: Any) -> None:
    settings.LANGUAGE_CODE = "es"
