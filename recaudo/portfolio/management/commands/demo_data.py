"""``recaudo demo-data``: write a realistic demo portfolio as importable files."""

import datetime as dt
import time
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from recaudo.portfolio.demo_data import PROFILES, DemoSpec, write_portfolio


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from error


def country_list(text: str) -> tuple[str, ...]:
    countries = tuple(code.strip().upper() for code in text.split(",") if code.strip())
    unknown = [code for code in countries if code not in PROFILES]
    if not countries or unknown:
        raise ArgumentTypeError(f"use country codes among {','.join(PROFILES)}")
    return countries


class Command(BaseCommand):
    help = "Write a demo portfolio (accounts, instalments, payments, contact points) as CSV files."
    requires_system_checks: list[str] = []  # writes files only, needs no database or URLs

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=5000)
        parser.add_argument("--countries", type=country_list, default=("CO", "MX"))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="folder to write into")
        parser.add_argument(
            "--as-of", type=iso_date, default=None, help="portfolio date (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["accounts"] < 1:
            raise CommandError(_("--accounts must be at least 1"))
        spec = DemoSpec(
            accounts=options["accounts"],
            countries=options["countries"],
            seed=options["seed"],
            as_of=options["as_of"] or dt.date.today(),
        )
        started = time.perf_counter()
        manifest = write_portfolio(spec, options["out"])
        elapsed = time.perf_counter() - started
        for creditor in manifest["creditors"]:
            self.stdout.write(
                _("%(slug)s: %(accounts)s accounts in %(folder)s")
                % {
                    "slug": creditor["slug"],
                    "accounts": f"{creditor['accounts']:,}",
                    "folder": options["out"] / creditor["slug"],
                }
            )
        self.stdout.write(
            _("%(accounts)s accounts as of %(as_of)s written in %(elapsed).1f s (seed %(seed)s).")
            % {
                "accounts": f"{spec.accounts:,}",
                "as_of": spec.as_of.isoformat(),
                "elapsed": elapsed,
                "seed": spec.seed,
            }
        )
