"""``recaudo plan``: the summary, ``--explain`` and clear errors."""

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.debts.models import Creditor
from recaudo.strategies import planning
from recaudo.strategies.default_strategy import DEFAULT_STEPS

from .conftest import StandInPolicy, past_due_account, stand_in_decide


@pytest.fixture(autouse=True)
def _stand_in_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "real_policy", stand_in_decide)
    monkeypatch.setattr(planning, "real_policy_loader", StandInPolicy())
    for name in ("plan", "explain"):
        function = getattr(planning, name)
        defaults = function.__kwdefaults__ | {
            "policy": stand_in_decide,
            "load_policy_inputs": StandInPolicy(),
        }
        monkeypatch.setattr(function, "__kwdefaults__", defaults)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


def test_the_summary_is_in_spanish(creditor: Creditor) -> None:
    past_due_account(creditor, 3)
    past_due_account(creditor, 61)
    past_due_account(creditor, 3, phone=False)
    output = run("--as-of=2026-03-10", f"--creditor={creditor.slug}")
    assert "Cuentas consideradas: 3" in output or "Accounts considered: 3" in output
    assert ": 1" in output
    assert creditor.slug in output


def test_explain_says_why_each_step_fires_or_not(creditor: Creditor) -> None:
    account = past_due_account(creditor, 3)
    output = run("--as-of=2026-03-10", f"--explain={account.external_id}")
    lines = output.splitlines()
    assert account.external_id in lines[0]
    assert len([line for line in lines if re.match(r"  \d+\. ", line)]) == len(DEFAULT_STEPS)
    assert "2026-03-07" in output  # the oldest unpaid due date
    assert "whatsapp" in output
    assert "allowed" in output  # the policy's rule for the planned message
    # Explaining writes nothing.
    assert not account.messages.exists()


def test_explain_shows_a_blocked_decision(creditor: Creditor, monkeypatch: Any) -> None:
    account = past_due_account(creditor, 3)
    policy = StandInPolicy(opted_out={account.customer_id: ("whatsapp",)})
    defaults = planning.explain.__kwdefaults__ | {"load_policy_inputs": policy}
    monkeypatch.setattr(planning.explain, "__kwdefaults__", defaults)
    output = run("--as-of=2026-03-10", f"--explain={account.external_id}")
    assert "opted_out" in output
    assert "opted out" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of=2026-13-01"], "2026-13-01"),
        (["--creditor=nobody"], "nobody"),
        (["--explain=NOPE"], "NOPE"),
    ],
)
def test_errors_are_clear(creditor: Creditor, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_explain_without_a_strategy(db: None) -> None:
    from tests.factories import make_creditor

    account = past_due_account(make_creditor(), 3)
    output = run("--as-of=2026-03-10", f"--explain={account.external_id}")
    assert account.external_id in output
    assert len(output.splitlines()) == 3
