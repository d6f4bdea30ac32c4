"""``recaudo policy check`` as a compliance officer runs it: a real process, stdin and exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECAUDO = Path(sys.executable).parent / "recaudo"

pytestmark = pytest.mark.slow


def run(body: str, language: str = "en") -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "recaudo.settings",
        "RECAUDO_LANGUAGE": language,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [str(RECAUDO), "policy", "check"],
        input=body,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_decision_in_spanish_and_exit_0() -> None:
    body = {
        "jurisdiction": "CO",
        "timezones": ["America/Bogota"],
        "at": "2026-03-15T10:00:00-05:00",
        "channel": "sms",
        "authorised_channels": ["sms"],
    }
    result = run(json.dumps(body), language="es")
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["rule"] == "CO.days"
    assert decision["reasons"] == [
        "No se contacta el domingo en Colombia (2026-03-15, America/Bogota)."
    ]


def test_a_bad_field_exits_with_2_naming_it() -> None:
    result = run(json.dumps({"jurisdiction": "CO", "at": "2026-03-15T10:00:00", "channel": "sms"}))
    assert result.returncode == 2
    assert "Field at:" in result.stderr
    assert "ISO 8601" in result.stderr
    assert result.stdout == ""
