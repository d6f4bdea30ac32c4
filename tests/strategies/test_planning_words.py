"""The plan's words for people: a step's conditions and why a step does not fire."""

from typing import Any

import pytest
from django.utils import translation

from recaudo.strategies import planner
from recaudo.strategies.planning import SKIP_NO_TEMPLATE, describe_conditions, reason_label


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (None, []),
        ({}, []),
        ({"no_active_promise": False}, []),
        (
            {"min_days_past_due": 31, "max_days_past_due": 60, "channels": ["whatsapp"]},
            ["días de mora de 31 a 60", "canales WhatsApp (primero el preferido del cliente)"],
        ),
        ({"min_days_past_due": 31}, ["días de mora desde 31"]),
        ({"max_days_past_due": 30}, ["días de mora hasta 30"]),
        ({"score_min": 0.5, "score_max": 0.75}, ["puntaje de 0,5 a 0,75"]),
        ({"score_max": 0.25}, ["puntaje hasta 0,25"]),
        ({"score_min": 0.25}, ["puntaje desde 0,25"]),
        (
            {"no_active_promise": True, "no_reply_since_last_step": True},
            [
                "sin compromiso de pago ni plan de pagos vigente",
                "sin respuesta desde el último paso",
            ],
        ),
        ({"stage": "pre_legal"}, ["solo en la etapa prejurídica"]),
        (
            {"channels": ["sms", "email"]},
            ["canales SMS, correo electrónico (primero el preferido del cliente)"],
        ),
        ({"colour": [1, "a"]}, ['colour: [1, "a"]']),
    ],
)
def test_conditions_in_words(conditions: dict[str, Any] | None, expected: list[str]) -> None:
    with translation.override("es"):
        assert describe_conditions(conditions) == expected


def test_conditions_in_english() -> None:
    with translation.override("en"):
        assert describe_conditions({"min_days_past_due": 31, "max_days_past_due": 60}) == [
            "days past due from 31 to 60"
        ]


def test_reasons_in_words() -> None:
    with translation.override("es"):
        assert reason_label(planner.PROMISE) == (
            "hay un compromiso de pago o un plan de pagos vigente"
        )
        assert reason_label(SKIP_NO_TEMPLATE) == "no hay plantilla aprobada"
        assert reason_label("something new") == "something new"


def test_the_console_and_the_command_share_the_reasons() -> None:
    from recaudo.console.views import compliance
    from recaudo.strategies.management.commands import plan

    assert compliance.reason_label is plan.reason_label is reason_label
