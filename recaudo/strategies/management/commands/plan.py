"""``recaudo plan --as-of YYYY-MM-DD [--creditor SLUG] [--explain ACCOUNT]``: the daily plan."""

import datetime as dt
import time
import zoneinfo
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.debts.models import Account, Creditor
from recaudo.portfolio.io.refresh import today_for
from recaudo.portfolio.management.commands.refresh import parse_as_of
from recaudo.strategies import planner, planning
from recaudo.strategies.models import Strategy
from recaudo.strategies.planning import reason_label


class Command(BaseCommand):
    help = "Plan the strategy steps due on a date: queue messages and create agents' tasks."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of", help="Plan date, YYYY-MM-DD (default: today in the creditor's timezone)."
        )
        parser.add_argument("--creditor", help="Slug of one creditor (default: every creditor).")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes asking the contact policy on large plans (default 1).",
        )
        parser.add_argument(
            "--explain",
            metavar="ACCOUNT",
            help="External id of one account: say why each step fires or not; writes nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else None
        creditor = self.creditor(options["creditor"]) if options["creditor"] else None
        if options["explain"]:
            account = self.account(options["explain"], creditor)
            self.explain(account, as_of or today_for(account.creditor))
            return
        started = time.perf_counter()
        creditors = [creditor] if creditor else list(Creditor.objects.order_by("slug"))
        for each in creditors:
            try:
                report = planning.plan(
                    as_of=as_of or today_for(each),
                    creditor=each,
                    workers=options["workers"],
                    not_before=timezone.now(),
                )
            except planning.PlanConflict as conflict:
                raise CommandError(
                    _(
                        "Another plan of %(creditor)s ran at the same time; this one kept "
                        "nothing. Run it again: it plans only what is still missing."
                    )
                    % {"creditor": conflict.args[0]}
                ) from conflict
            self.print_report(report)
        self.stdout.write(
            _("Elapsed: %(seconds).1f s") % {"seconds": time.perf_counter() - started}
        )

    def creditor(self, slug: str) -> Creditor:
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            raise CommandError(_("Unknown creditor: %(slug)s") % {"slug": slug})
        return creditor

    def account(self, external_id: str, creditor: Creditor | None) -> Account:
        accounts = Account.objects.filter(external_id=external_id).select_related(
            "creditor", "customer"
        )
        if creditor is not None:
            accounts = accounts.filter(creditor=creditor)
        found = list(accounts[:2])
        if not found:
            raise CommandError(_("Unknown account: %(account)s") % {"account": external_id})
        if len(found) > 1:
            raise CommandError(
                _("Several creditors have an account %(account)s: say which with --creditor.")
                % {"account": external_id}
            )
        return found[0]

    def print_report(self, report: planning.PlanReport) -> None:
        write = self.stdout.write
        write(
            _("Plan for %(as_of)s: %(creditors)s")
            % {"as_of": report.as_of.isoformat(), "creditors": ", ".join(report.creditors)}
        )
        blocked = sum(report.blocked.values())
        lines = [
            (_("Accounts considered"), f"{report.accounts:,}"),
            (_("Steps due"), f"{report.proposals:,}"),
            (_("Messages queued"), f"{report.queued:,}"),
            (_("Blocked by the contact policy"), f"{blocked:,}{_listing(report.blocked)}"),
            (_("Tasks for agents"), f"{report.tasks:,}"),
            (
                _("Skipped"),
                f"{sum(report.skipped.values()):,}"
                + _listing({reason_label(k): v for k, v in report.skipped.items()}),
            ),
        ]
        for title, value in lines:
            write(f"  {title}: {value}")
        write(
            "  "
            + _(
                "Time: load %(load).2f s, plan %(plan).2f s, policy %(policy).2f s, "
                "write %(write).2f s"
            )
            % report.seconds
        )

    def explain(self, account: Account, as_of: dt.date) -> None:
        write = self.stdout.write
        explanations = planning.explain(account, as_of=as_of)
        write(
            _("Account %(account)s of %(creditor)s as of %(as_of)s")
            % {
                "account": account.external_id,
                "creditor": account.creditor.slug,
                "as_of": as_of.isoformat(),
            }
        )
        write(
            "  "
            + _("Stage %(stage)s, %(days)d days past due, segment %(segment)s, status %(status)s")
            % {
                "stage": account.get_stage_display(),
                "days": account.days_past_due,
                "segment": account.segment or "-",
                "status": account.get_status_display(),
            }
        )
        if not explanations:
            write("  " + _("No active strategy applies to this account."))
            return
        first = explanations[0]
        strategy = Strategy.objects.get(pk=first.strategy_id)
        variant = (
            _(" (experiment variant %(variant)s)") % {"variant": first.variant}
            if first.variant
            else ""
        )
        write("  " + _("Strategy: %(strategy)s") % {"strategy": strategy.name} + variant)
        zone = zoneinfo.ZoneInfo(account.customer.timezone or account.creditor.timezone)
        for item in explanations:
            self.explain_step(item, zone)

    def explain_step(self, item: planning.StepExplanation, zone: zoneinfo.ZoneInfo) -> None:
        write = self.stdout.write
        what = " ".join(part for part in (item.action, item.channel, item.template_code) if part)
        write(f"  {item.order}. {item.name} [{what}]")
        if item.trigger == "stage_entry":
            trigger = _("%(days)+d days after entering the stage") % {"days": item.offset_days}
        elif item.trigger == "promise_broken":
            trigger = _("%(days)+d days after a promise was broken") % {"days": item.offset_days}
        else:
            trigger = _("%(days)+d days from the due date") % {"days": item.offset_days}
        dates = (
            _("counted from %(anchor)s: day %(day)s")
            % {"anchor": item.anchor_date.isoformat(), "day": item.fires_on.isoformat()}
            if item.anchor_date is not None and item.fires_on is not None
            else _("no date to count from")
        )
        write(f"     {trigger}; {dates}")
        if item.reason != planner.FIRES:
            write("     " + _("Not planned: %(reason)s") % {"reason": reason_label(item.reason)})
            return
        if item.decision is None:
            write("     " + _("Planned: a task for the agents' queue"))
            return
        decision = item.decision
        where = f"{item.message_channel} {item.address}"
        if decision.allowed and item.send_after is not None:
            write(
                "     "
                + _("Planned: %(where)s, send after %(at)s (%(rule)s)")
                % {
                    "where": where,
                    "at": item.send_after.astimezone(zone).isoformat(),
                    "rule": decision.rule,
                }
            )
            return
        write(
            "     "
            + _("Blocked by the contact policy: %(where)s, rule %(rule)s (%(source)s)")
            % {"where": where, "rule": decision.rule, "source": decision.source}
        )
        for reason in decision.reasons:
            write(f"       - {reason}")
        if decision.next_allowed_at is not None:
            write(
                "     "
                + _("Next allowed: %(at)s")
                % {"at": decision.next_allowed_at.astimezone(zone).isoformat()}
            )


def _listing(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return " (" + ", ".join(f"{key}: {count:,}" for key, count in sorted(counts.items())) + ")"
