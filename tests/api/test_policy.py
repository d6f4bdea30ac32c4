"""``POST /api/v1/policy/check``: the same request and decision as ``recaudo policy check``."""

from typing import Any

from django.test import Client

URL = "/api/v1/policy/check"

CL_SMS = {
    "jurisdiction": "CL",
    "timezones": ["America/Santiago"],
    "at": "2026-03-10T10:00:00-03:00",
    "channel": "sms",
    "history": [{"at": "2026-03-09T10:00:00-03:00", "channel": "sms"}],
}


def post(client: Client, body: Any) -> Any:
    return client.post(URL, body, content_type="application/json")


def test_a_decision(api: Client) -> None:
    response = post(api, CL_SMS)
    assert response.status_code == 200
    assert response.json() == {
        "allowed": False,
        "rule": "CL.other_media_48h",
        "source": "Ley 19.496 art. 37 (at least two days apart; 48 hours: engine default)",
        "reasons": response.json()["reasons"],
        "next_allowed_at": "2026-03-11T10:00:00-03:00",
    }
    [reason] = response.json()["reasons"]
    assert "2026-03-09" in reason
    allowed = post(api, CL_SMS | {"at": "2026-03-11T10:00:00-03:00"}).json()
    assert allowed["allowed"] is True


def test_a_bad_field_is_named(api: Client) -> None:
    response = post(api, CL_SMS | {"channel": "fax"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "channel"
    assert "sms" in error["message"]


def test_the_key_is_required(client: Client, db: None) -> None:
    assert post(client, CL_SMS).status_code == 401


def test_a_body_that_is_not_an_object(api: Client) -> None:
    assert post(api, []).status_code == 422
