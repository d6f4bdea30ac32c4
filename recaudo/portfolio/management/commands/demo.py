"""``recaudo demo``: a working Recaudo on SQLite with a demo portfolio, in one command.

Migrates, creates the demo logins and creditors, writes the demo files once per seed, imports them
through the real import, runs the refresh and serves the admin. Safe to run again: logins get
their demo passwords back, creditors are upserted, the imports are idempotent.
"""

import time
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.analytics.build import build_range
from recaudo.debts.models import Creditor, PlanPolicy, Stage
from recaudo.portfolio.demo_data import PROFILES, DemoSpec, read_manifest, write_portfolio
from recaudo.portfolio.demo_work import seed_agent_work
from recaudo.portfolio.models import SegmentRule
from recaudo.selfservice.links import self_service_link
from recaudo.staff.roles import Role, assign_roles
from recaudo.strategies.actions import install_default_templates
from recaudo.strategies.default_strategy import install_default_strategy
from recaudo.strategies.planning import plan

DEMO_COUNTRIES = ("CO", "MX")
ADDRESS = "127.0.0.1:8000"
# (username, password, role): demo-only credentials, printed in the banner, one per role.
LOGINS = (
    ("admin", "recaudo-admin", Role.ADMIN),
    ("agente", "recaudo-agente", Role.AGENT),
    ("supervisor", "recaudo-supervisor", Role.SUPERVISOR),
    ("estratega", "recaudo-estratega", Role.STRATEGIST),
    ("cumplimiento", "recaudo-cumplimiento", Role.COMPLIANCE),
)


def demo_folder() -> Path:
    return Path(settings.DATA_DIR) / "demo"


def ensure_login(username: str, password: str, *, role: str) -> AbstractUser:
    """Create the user or give it back its demo password and role.

    Only the administrator is Django staff (the admin site); everyone works in the console.
    """
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=username)
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.save()
    assign_roles(user, [role])
    assert isinstance(user, AbstractUser)
    return user


def ensure_creditors(countries: tuple[str, ...]) -> list[Creditor]:
    creditors = []
    for country in countries:
        profile = PROFILES[country]
        creditor, _created = Creditor.objects.update_or_create(
            slug=profile.creditor_slug,
            defaults={
                "name": profile.creditor_name,
                "country": profile.country,
                "currency": profile.currency,
                "timezone": profile.timezone,
            },
        )
        ensure_segment_rules(creditor)
        ensure_plan_policies(creditor)
        creditors.append(creditor)
    return creditors


# A starter segmentation for the demo (the strategist edits it in the admin): first match wins.
HIGH_BALANCE = {"COP": Decimal("8000000"), "MXN": Decimal("40000"), "CLP": Decimal("2000000")}


def ensure_segment_rules(creditor: Creditor) -> None:
    """Give a demo creditor a starter segment table, unless it already has one."""
    if creditor.segment_rules.exists():
        return
    high = HIGH_BALANCE.get(creditor.currency, Decimal("10000"))
    rules: list[dict[str, Any]] = [
        {"segment": "preventivo", "stages": [Stage.PREVENTIVE]},
        {
            "segment": "temprana_alto_valor",
            "min_days_past_due": 1,
            "max_days_past_due": 30,
            "min_balance": high,
        },
        {"segment": "temprana", "min_days_past_due": 1, "max_days_past_due": 30},
        {"segment": "media", "min_days_past_due": 31, "max_days_past_due": 90},
        {"segment": "tardia_buen_pagador", "min_days_past_due": 91, "min_score": 0.5},
        {"segment": "tardia", "min_days_past_due": 91},
    ]
    SegmentRule.objects.bulk_create(
        SegmentRule(creditor=creditor, position=position, **fields)
        for position, fields in enumerate(rules, start=1)
    )


def ensure_plan_policies(creditor: Creditor) -> None:
    """Give a demo creditor its payment plan policies, unless it already has some: up to 6
    instalments with 10 % down and 15 % off for paying in one go; in pre-legal, stricter (up to
    3 instalments, 30 % down, 10 % off)."""
    if creditor.plan_policies.exists():
        return
    PlanPolicy.objects.bulk_create(
        [
            PlanPolicy(
                creditor=creditor,
                max_instalments=6,
                min_down_payment_percent=Decimal("10"),
                settlement_discount_percent=Decimal("15"),
            ),
            PlanPolicy(
                creditor=creditor,
                stage=Stage.PRE_LEGAL,
                max_instalments=3,
                min_down_payment_percent=Decimal("30"),
                settlement_discount_percent=Decimal("10"),
            ),
        ]
    )


def ensure_files(spec: DemoSpec, folder: Path) -> dict[str, Any]:
    """The manifest of the demo files, writing them first unless they exist for this seed."""
    manifest = read_manifest(folder)
    if (
        manifest is not None
        and manifest["seed"] == spec.seed
        and manifest["accounts"] == spec.accounts
        and tuple(manifest["countries"]) == spec.countries
        and all(
            (folder / relative).exists()
            for creditor in manifest["creditors"]
            for relative in creditor["files"].values()
        )
    ):
        return manifest
    return write_portfolio(spec, folder)


class Command(BaseCommand):
    help = "Set up Recaudo with demo logins and a demo portfolio, then serve it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-serve", action="store_true", help="set everything up but do not start the server"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with self.step(_("Creating the database")):
            call_command("migrate", interactive=False, verbosity=0)
            for username, password, role in LOGINS:
                ensure_login(username, password, role=role)
            creditors = ensure_creditors(DEMO_COUNTRIES)
        today = timezone.localdate()
        folder = demo_folder()
        spec = DemoSpec(
            accounts=options["accounts"],
            countries=DEMO_COUNTRIES,
            seed=options["seed"],
            as_of=today,
        )
        with self.step(_("Writing the demo portfolio to %(folder)s") % {"folder": folder}):
            manifest = ensure_files(spec, folder)
        for creditor in manifest["creditors"]:
            files = {key: str(folder / relative) for key, relative in creditor["files"].items()}
            names = {"creditor": creditor["name"]}
            with self.step(_("Importing the accounts of %(creditor)s") % names):
                call_command(
                    "import_portfolio",
                    "accounts",
                    files["accounts"],
                    files["instalments"],
                    "--creditor",
                    creditor["slug"],
                )
                call_command(
                    "import_portfolio",
                    "accounts",
                    files["contact_points"],
                    "--creditor",
                    creditor["slug"],
                )
            with self.step(_("Importing the payments of %(creditor)s") % names):
                call_command(
                    "import_portfolio",
                    "payments",
                    files["payments"],
                    "--creditor",
                    creditor["slug"],
                )
        with self.step(_("Refreshing the portfolio as of %(date)s") % {"date": today.isoformat()}):
            call_command("refresh", as_of=today.isoformat())
        with self.step(_("Planning today's contacts with the default strategy")):
            for creditor in creditors:
                install_default_templates(creditor)
                install_default_strategy(creditor)
            plan(as_of=today, not_before=timezone.now())
        with self.step(_("Building 90 days of dashboard metrics")):
            for creditor in creditors:
                build_range(creditor, today - timedelta(days=89), today)
        with self.step(_("Leaving hand-offs and tasks in the agents' inbox")):
            for creditor in creditors:
                seed_agent_work(creditor)
        self.banner(time.perf_counter() - started, creditors[0])
        if not options["no_serve"]:
            call_command("runserver", ADDRESS, "--insecure", "--noreload")

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.stdout.write(self.style.MIGRATE_HEADING(f"» {title}"))
        started = time.perf_counter()
        yield
        self.stdout.write(
            _("  done in %(seconds).1f s") % {"seconds": time.perf_counter() - started}
        )

    def banner(self, seconds: float, creditor: Creditor) -> None:
        url = f"http://{ADDRESS}/console/"
        lines = [
            _("Recaudo is ready (set up in %(seconds).0f s).") % {"seconds": seconds},
            "",
            _("Open %(url)s and sign in as:") % {"url": url},
            *(
                _("  %(username)s / %(password)s (%(role)s)")
                % {
                    "username": username,
                    "password": password,
                    "role": Role(role).label,
                }
                for username, password, role in LOGINS
            ),
            "",
            *self.assistant_lines(creditor),
            "",
            _("Next, in another terminal:"),
            _("  .venv/bin/recaudo worker     # sends today's messages (fake provider)"),
            "  .venv/bin/recaudo plan --explain ACCOUNT --creditor credito-andino",
            "  .venv/bin/recaudo refresh --as-of YYYY-MM-DD",
            "  .venv/bin/recaudo import accounts FILE --creditor SLUG",
            "  .venv/bin/recaudo demo-data --accounts 100000 --out var/demo-large",
            "  make test",
            _("Demo files: %(folder)s") % {"folder": demo_folder()},
        ]
        rule = "=" * 72
        self.stdout.write(self.style.SUCCESS("\n".join([rule, *lines, rule])))

    def assistant_lines(self, creditor: Creditor) -> list[str]:
        """Where to try the self-service assistant, and a customer to try it as."""
        lines = [
            _("Self-service assistant (web chat): http://%(address)s/chat/%(slug)s/")
            % {"address": ADDRESS, "slug": creditor.slug},
            _("  or in this terminal: .venv/bin/recaudo assistant chat --creditor %(slug)s")
            % {"slug": creditor.slug},
        ]
        account = (
            creditor.accounts.filter(overdue_amount__gt=0, customer__birth_date__isnull=False)
            .select_related("customer")
            .order_by("id")
            .first()
        )
        customer = account.customer if account is not None else None
        if customer is not None and customer.birth_date is not None:
            lines += [
                _("  Try it as %(name)s: document %(document)s, born in %(year)s")
                % {
                    "name": customer.full_name,
                    "document": customer.document_number,
                    "year": customer.birth_date.year,
                },
                _("  Their self-service page: %(link)s") % {"link": self_service_link(customer.pk)},
            ]
        return lines
