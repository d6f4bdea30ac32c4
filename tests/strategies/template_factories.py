"""Template factories for the template tests (the planner's tests keep their own conftest)."""

import itertools
from typing import Any

from recaudo.debts.models import Creditor
from recaudo.strategies.models import Template
from tests.factories import make_creditor

_sequence = itertools.count(1)


def make_template(creditor: Creditor | None = None, **fields: Any) -> Template:
    creditor = creditor or make_creditor()
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "code": f"plantilla-{number}",
        "name": f"Plantilla {number}",
        "channel": "sms",
        "body": "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. "
        "Su saldo es {{ amount }}. {{ opt_out_text }}",
    }
    return Template.objects.create(creditor=creditor, **(defaults | fields))
