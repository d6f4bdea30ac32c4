"""The audit log's detail in words (``audit_detail_lines``)."""

from typing import Any

import pytest
from django.utils import translation

from recaudo.staff.queries import audit_detail_lines


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ({}, []),
        (None, []),
        ({"view": "timeline"}, ["view: timeline"]),
        (
            {"object": "step", "id": 7, "changes": {"name": ["Old", "New"], "stage": ["", "x"]}},
            ["id: 7", "object: step", "name: Old → New", 'stage: "" → x'],
        ),
        (
            {
                "changes": {
                    "created": [
                        None,
                        {
                            "name": "E",
                            "started_on": "2026-01-01",
                            "variants": [["champion", 3, 50], ["challenger", None, 50]],
                        },
                    ]
                }
            },
            [
                "created: name: E; started_on: 2026-01-01; "
                "variants: [champion, 3, 50], [challenger, —, 50]"
            ],
        ),
        (
            {"changes": {"removed": [{"name": "x", "conditions": {"a": True}}, None]}},
            ["removed: name: x; conditions: (a: sí)"],
        ),
        ({"changes": {"active": [True, False]}}, ["active: sí → no"]),
        (
            {"export": "audit_log", "filters": {"action": "login", "customer": "****12"}},
            ["export: audit_log", "filters: action: login; customer: ****12"],
        ),
        (
            {"capability": "view_strategy", "changes": "odd"},
            [
                "capability: view_strategy",
                "changes: odd",
            ],
        ),
        ("just text", ["just text"]),
    ],
)
def test_audit_detail_in_lines(detail: Any, expected: list[str]) -> None:
    with translation.override("es"):
        assert audit_detail_lines(detail) == expected
