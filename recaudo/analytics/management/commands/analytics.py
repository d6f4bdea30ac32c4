"""``recaudo analytics build [--creditor SLUG] [--day YYYY-MM-DD | --from DAY --to DAY]``.

Builds the daily metrics the dashboards read (recaudo/analytics/build.py). One day (default:
today in each creditor's timezone) or a range of days for a backfill; the snapshot metrics
(portfolio, active plans) are written only for the day of the creditor's latest refresh.
"""

import datetime as dt
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from recaudo.analytics.build import build_range
from recaudo.debts.models import Creditor
from recaudo.portfolio.io.refresh import today_for


def parse_day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(
            _("Invalid date %(value)s for %(option)s: use YYYY-MM-DD, e.g. 2026-02-28.")
            % {"value": text, "option": option}
        ) from error


class Command(BaseCommand):
    help = "Build the daily metrics the supervisors' dashboards read."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("build", help="build one day or a range of days")
        build.add_argument("--creditor", help="Slug of one creditor (default: every creditor).")
        build.add_argument("--day", help="One day, YYYY-MM-DD (default: the creditor's today).")
        build.add_argument("--from", dest="start", help="First day of a range, YYYY-MM-DD.")
        build.add_argument("--to", dest="end", help="Last day of a range (default: --from).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["day"] and (options["start"] or options["end"]):
            raise CommandError(_("Give either --day or --from/--to, not both."))
        if options["end"] and not options["start"]:
            raise CommandError(_("--to needs --from."))
        day = parse_day(options["day"], "--day") if options["day"] else None
        start = parse_day(options["start"], "--from") if options["start"] else day
        end = parse_day(options["end"], "--to") if options["end"] else start
        if start and end and end < start:
            raise CommandError(
                _("--to %(end)s is before --from %(start)s.") % {"end": end, "start": start}
            )
        for creditor in self.creditors(options["creditor"]):
            first = start or today_for(creditor)
            last = end or first
            started = time.perf_counter()
            written = build_range(creditor, first, last)
            self.stdout.write(
                _(
                    "%(creditor)s: %(rows)d daily metric rows for %(first)s to %(last)s in %(seconds).1f s"
                )
                % {
                    "creditor": creditor.slug,
                    "rows": written,
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "seconds": time.perf_counter() - started,
                }
            )

    def creditors(self, slug: str | None) -> list[Creditor]:
        if slug is None:
            return list(Creditor.objects.order_by("slug"))
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            raise CommandError(_("Unknown creditor: %(slug)s") % {"slug": slug})
        return [creditor]
