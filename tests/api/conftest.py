from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from recaudo.api.keys import NewApiKey, create_api_key
from recaudo.debts.models import Creditor
from tests.factories import make_creditor

Call = Callable[..., Any]


@pytest.fixture
def creditor(db: None) -> Creditor:
    return make_creditor(slug="banco-api")


@pytest.fixture
def new_key(creditor: Creditor) -> NewApiKey:
    return create_api_key(creditor, name="core-bancario")


@pytest.fixture
def api(client: Client, new_key: NewApiKey) -> Client:
    """A test client that sends the creditor's key with every request."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {new_key.clear_key}"
    return client
