"""``recaudo policy check``: one JSON request on stdin, the decision as JSON on stdout.

Exit 0 whether the contact is allowed or not; exit 2 for a request that cannot be read, with a
message naming the field and how to fix it.
"""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from recaudo.policy.decide import decide
from recaudo.policy.parsing import PolicyRequestError, parse_request


class Command(BaseCommand):
    help = "Contact policy tools: `check` reads a JSON request on stdin and prints the decision."
    # call_command(..., stdin=io.StringIO(...)) in tests and scripts.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "check",
            help="Read one JSON request on stdin; print the decision as JSON (see "
            "docs/contact-policy.md).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        self.check_request(stdin.read())

    def check_request(self, text: str) -> None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                _("The request is not valid JSON (line %(line)s, column %(column)s): %(error)s.")
                % {"line": error.lineno, "column": error.colno, "error": error.msg},
                returncode=2,
            ) from None
        try:
            request = parse_request(data)
        except PolicyRequestError as error:
            raise CommandError(
                _("Field %(field)s: %(message)s")
                % {"field": error.field, "message": error.message},
                returncode=2,
            ) from None
        decision = decide(request)
        self.stdout.write(json.dumps(decision.as_json(), ensure_ascii=False, indent=2))
