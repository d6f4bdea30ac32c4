"""``recaudo policy check``: JSON in on stdin, the decision as JSON out."""

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from recaudo.policy.management.commands.policy import Command
from recaudo.policy.parsing import PolicyRequestError, parse_request

CO_SUNDAY = {
    "jurisdiction": "CO",
    "timezones": ["America/Bogota"],
    "at": "2026-03-15T10:00:00-05:00",
    "channel": "sms",
    "authorised_channels": ["sms"],
}


def run(body: str) -> dict[str, Any]:
    out = io.StringIO()
    # The command instance itself: the test does not depend on INSTALLED_APPS.
    call_command(Command(), "check", stdin=io.StringIO(body), stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_a_refusal_is_printed_as_json() -> None:
    decision = run(json.dumps(CO_SUNDAY))
    assert decision["allowed"] is False
    assert decision["rule"] == "CO.days"
    assert decision["next_allowed_at"] == "2026-03-16T07:00:00-05:00"
    assert decision["source"].startswith("Ley 2300")
    assert decision["reasons"]


def test_us_eighth_call() -> None:
    calls = [
        {"at": f"2026-03-{day:02d}T15:00:00Z", "channel": "voice", "debt_id": "D1"}
        for day in range(3, 10)
    ]
    decision = run(
        json.dumps(
            {
                "jurisdiction": "US",
                "timezones": ["America/New_York"],
                "at": "2026-03-09T19:00:00Z",
                "channel": "voice",
                "debt_id": "D1",
                "history": calls,
            }
        )
    )
    assert (decision["allowed"], decision["rule"]) == (False, "US.calls_7_in_7")
    assert decision["next_allowed_at"] == "2026-03-10T08:00:00-04:00"


def test_allowed_with_every_optional_field() -> None:
    body = {
        "jurisdiction": "CL",
        "timezones": ["America/Santiago"],
        "at": "2026-03-11T10:00:00-03:00",
        "channel": "sms",
        "recipient_role": "debtor",
        "debt_id": 123,
        "initiated_by_customer": False,
        "authorised_channels": None,
        "opted_out_channels": ["email"],
        "holds": [],
        "history": [
            {
                "at": "2026-03-09T10:00:00-03:00",
                "channel": "sms",
                "direction": "outbound",
                "connected": True,
                "conversation": False,
                "debt_id": "123",
                "recipient_role": "debtor",
            }
        ],
        "purpose": "dunning",
        "preferred_channels": ["sms"],
        "preferred_hours": ["09:00", "12:00"],
        "creditor_limits": {"max_per_day": 2, "hours_start": "08:00", "hours_end": "20:00"},
        "paused_until": None,
        "debt_settled": False,
    }
    assert run(json.dumps(body))["allowed"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"jurisdiction": "XX"}, "jurisdiction"),
        ({"at": "2026-03-15T10:00:00"}, "at"),
        ({"at": "mañana"}, "at"),
        ({"channel": "fax"}, "channel"),
        ({"timezones": ["Mars/Olympus"]}, "timezones[0]"),
        ({"timezones": "America/Bogota"}, "timezones"),
        ({"recipient_role": "neighbour"}, "recipient_role"),
        ({"holds": ["vacation"]}, "holds[0]"),
        ({"initiated_by_customer": "yes"}, "initiated_by_customer"),
        ({"history": [{"channel": "sms"}]}, "history[0].at"),
        (
            {"history": [{"at": "2026-03-01T10:00:00Z", "channel": "sms", "via": 1}]},
            "history[0].via",
        ),
        ({"preferred_hours": ["9"]}, "preferred_hours"),
        ({"creditor_limits": {"max_per_day": -1}}, "creditor_limits.max_per_day"),
        ({"chanel": "sms"}, "chanel"),
    ],
)
def test_bad_fields_are_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(PolicyRequestError) as error:
        parse_request(CO_SUNDAY | change)
    assert error.value.field == field
    with pytest.raises(CommandError) as command_error:
        run(json.dumps(CO_SUNDAY | change))
    assert command_error.value.returncode == 2
    assert field in str(command_error.value)


@pytest.mark.parametrize("missing", ["jurisdiction", "at", "channel"])
def test_required_fields(missing: str) -> None:
    body = {key: value for key, value in CO_SUNDAY.items() if key != missing}
    with pytest.raises(PolicyRequestError) as error:
        parse_request(body)
    assert error.value.field == missing


def test_bad_json_exits_with_2() -> None:
    with pytest.raises(CommandError) as error:
        run("{not json")
    assert error.value.returncode == 2
    assert "JSON" in str(error.value)


def test_a_json_list_is_not_a_request() -> None:
    with pytest.raises(CommandError) as error:
        run("[]")
    assert error.value.returncode == 2


def test_timezones_default_to_the_jurisdictions() -> None:
    body = {key: value for key, value in CO_SUNDAY.items() if key != "timezones"}
    assert parse_request(body).timezones == ("America/Bogota",)
