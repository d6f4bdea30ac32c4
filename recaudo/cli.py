"""The ``recaudo`` command: Django's management commands under friendlier names.

``recaudo import accounts FILE --creditor SLUG`` runs the ``import_portfolio`` command,
``recaudo demo-data ...`` runs ``demo_data``; any other name is passed to Django as it is
(``recaudo migrate``, ``recaudo createsuperuser``, ``recaudo refresh`` ...).
"""

import os
import sys

ALIASES = {
    "import": "import_portfolio",
}


def command_name(name: str) -> str:
    return ALIASES.get(name, name.replace("-", "_"))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = command_name(args[1])
    execute_from_command_line(args)
    return 0
