"""``recaudo refresh --as-of YYYY-MM-DD [--creditor SLUG]``: the daily portfolio refresh."""

import datetime as dt
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from recaudo.analytics.build import build_after_refresh
from recaudo.debts.models import Creditor, EventKind, Stage
from recaudo.portfolio import stages
from recaudo.portfolio.io.refresh import CreditorRefresh, refresh_creditor, today_for


def parse_as_of(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(
            _("Invalid date %(value)s: use YYYY-MM-DD, e.g. 2026-02-28.") % {"value": text}
        ) from error


class Command(BaseCommand):
    help = "Recompute days past due, bucket, stage, score and segment of every account."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of",
            help="Portfolio date, YYYY-MM-DD (default: today in the creditor's timezone).",
        )
        parser.add_argument("--creditor", help="Slug of one creditor (default: every creditor).")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else None
        started = time.perf_counter()
        for creditor in self.creditors(options["creditor"]):
            outcome = refresh_creditor(creditor, as_of or today_for(creditor))
            self.print_summary(outcome, creditor)
            build_after_refresh(creditor, outcome.as_of)  # the dashboards' daily metrics
        self.stdout.write(
            _("Elapsed: %(seconds).1f s") % {"seconds": time.perf_counter() - started}
        )

    def creditors(self, slug: str | None) -> list[Creditor]:
        if slug is None:
            return list(Creditor.objects.order_by("slug"))
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            raise CommandError(_("Unknown creditor: %(slug)s") % {"slug": slug})
        return [creditor]

    def print_summary(self, outcome: CreditorRefresh, creditor: Creditor) -> None:
        write = self.stdout.write
        write(
            _("%(creditor)s as of %(as_of)s: %(accounts)d accounts, %(updated)d updated")
            % {
                "creditor": outcome.creditor,
                "as_of": outcome.as_of.isoformat(),
                "accounts": outcome.accounts,
                "updated": outcome.updated,
            }
        )
        bucket_order = stages.bucket_labels(creditor.bucket_bounds or stages.DEFAULT_BUCKET_BOUNDS)
        for title, counts in (
            (_("By stage"), in_order(outcome.by_stage, Stage.values, Stage)),
            (_("By bucket"), in_order(outcome.by_bucket, bucket_order)),
            (_("By segment"), dict(sorted(outcome.by_segment.items(), key=lambda kv: -kv[1]))),
            (_("Transitions"), in_order(outcome.transitions, EventKind.values, EventKind)),
        ):
            listed = ", ".join(f"{name}: {count:,}" for name, count in counts.items()) or "-"
            write(f"  {title}: {listed}")
        if outcome.kept_promises or outcome.completed_plans:
            write(
                "  "
                + _("Kept promises: %(promises)d, completed plans: %(plans)d")
                % {"promises": outcome.kept_promises, "plans": outcome.completed_plans}
            )
        if outcome.broken_promises or outcome.broken_plans:
            write(
                "  "
                + _("Broken promises: %(promises)d, broken plans: %(plans)d")
                % {"promises": outcome.broken_promises, "plans": outcome.broken_plans}
            )
        write(
            "  "
            + _("Time: load %(load).2f s, compute %(compute).2f s, write %(write).2f s")
            % outcome.seconds
        )


def in_order(
    counts: dict[str, int], order: list[str], labels: type[Stage] | type[EventKind] | None = None
) -> dict[str, int]:
    """``counts`` in the business order of its keys, named by their labels when given."""
    ranked = sorted(
        counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)
    )
    return {str(labels(key).label) if labels and key in order else key: n for key, n in ranked}
