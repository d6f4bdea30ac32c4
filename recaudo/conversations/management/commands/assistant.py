"""``recaudo assistant``: the assistant's language tools and a terminal chat.

- ``classify [--today YYYY-MM-DD]``: one message per line on stdin, one JSON line per message
  on stdout: ``{"intent", "confidence", "entities"}`` (entities only with the keys found).
- ``evaluate``: precision, recall and F1 per intent on a held-out stratified split of the
  training data, macro-F1, and the confidence-threshold table; exits 1 under 0.90 macro-F1.
- ``chat --creditor SLUG``: talk to the assistant in the terminal.
"""

import json
import sys
import time
from argparse import ArgumentParser
from datetime import date
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        from argparse import ArgumentTypeError

        raise ArgumentTypeError(
            _("Expected a date as YYYY-MM-DD, not %(value)s.") % {"value": repr(value)}
        ) from None


class Command(BaseCommand):
    help = "The assistant: classify messages, evaluate the intent model, or chat in the terminal."
    # call_command(..., stdin=io.StringIO(...)) in tests and scripts.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        classify = actions.add_parser(
            "classify",
            help="Read one message per line on stdin; print one JSON line per message.",
        )
        classify.add_argument(
            "--today",
            type=_day,
            default=None,
            help="The date relative dates resolve against (YYYY-MM-DD; default: today).",
        )
        actions.add_parser(
            "evaluate",
            help="Precision, recall and F1 per intent on a held-out split of the training data.",
        )
        chat = actions.add_parser("chat", help="Talk to the assistant in the terminal.")
        chat.add_argument("--creditor", required=True, help="The creditor's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        action = options["action"]
        if action == "classify":
            self.classify(stdin, options.get("today") or timezone.localdate())
        elif action == "evaluate":
            self.evaluate()
        elif action == "chat":
            from recaudo.conversations.terminal import run_chat

            # The underlying stream: the chat writes prompts without line endings.
            stdout: TextIO = options.get("stdout") or sys.stdout
            run_chat(options["creditor"], stdin=stdin, stdout=stdout)

    def classify(self, stdin: Any, today: date) -> None:
        from recaudo.conversations.nlu import understand

        for line in stdin:
            text = line.rstrip("\r\n")
            understanding = understand(text, today=today)
            self.stdout.write(
                json.dumps(
                    {
                        "intent": understanding.intent,
                        "confidence": round(understanding.confidence, 4),
                        "entities": understanding.entities.as_json(),
                    },
                    ensure_ascii=False,
                )
            )
            self.stdout.flush()

    def evaluate(self) -> None:
        from recaudo.conversations.nlu.classifier import get_model
        from recaudo.conversations.nlu.evaluation import MINIMUM_MACRO_F1, evaluate

        result = evaluate()
        write = self.stdout.write
        write(
            f"Held-out split: {result.held_out_examples} messages; trained on "
            f"{result.training_examples} in {result.training_seconds:.2f} s\n"
        )
        write(f"{'intent':<26}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}")
        for score in result.scores:
            write(
                f"{score.intent:<26}{score.precision:>10.3f}{score.recall:>10.3f}"
                f"{score.f1:>10.3f}{score.support:>9}"
            )
        write(f"\n{'macro-F1':<26}{result.macro_f1:>30.3f}")
        write(f"{'accuracy':<26}{result.accuracy:>30.3f}\n")
        write("Confidence threshold: share of messages accepted, and how many of those are right")
        for row in result.thresholds:
            write(
                f"  >= {row.threshold:.2f}   accepted {row.coverage:6.1%}   right {row.accuracy:6.1%}"
            )
        model = get_model()
        texts = [example.text for example in _sample()]
        started = time.perf_counter()
        for text in texts:
            model.rank(text)
        per_second = len(texts) / (time.perf_counter() - started)
        write(
            f"\nFull model: trained in {model.training_seconds:.2f} s; "
            f"{per_second:,.0f} classifications per second (one message at a time)"
        )
        if result.macro_f1 < MINIMUM_MACRO_F1:
            raise CommandError(
                _("The macro-F1 %(value)s is under %(minimum)s: add training examples.")
                % {"value": f"{result.macro_f1:.3f}", "minimum": f"{MINIMUM_MACRO_F1:.2f}"},
                returncode=1,
            )


def _sample() -> list[Any]:
    from recaudo.conversations.nlu.training import training_examples

    return list(training_examples())
