"""Property-based run over the whole OpenAPI schema: whatever comes in, no 5xx comes out."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from recaudo.api.keys import NewApiKey
from recaudo.debts.models import Creditor
from recaudo.wsgi import application
from tests.factories import make_account, make_customer, make_instalment

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Examples and random fuzzing, bounded; the exhaustive coverage phase would take minutes.
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture
def known_account(creditor: Creditor) -> None:
    account = make_account(make_customer(creditor, external_id="C-1"), external_id="A-1")
    make_instalment(account)


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case: schemathesis.Case, new_key: NewApiKey, known_account: None) -> None:
    response = case.call(headers={"Authorization": f"Bearer {new_key.clear_key}"})

    case.validate_response(response, checks=[not_a_server_error])
