"""``recaudo api-key create|list|revoke``: manage the keys creditors' systems use for the API."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from recaudo.api.keys import create_api_key, revoke_api_key
from recaudo.api.models import ApiKey
from recaudo.debts.models import Creditor


class Command(BaseCommand):
    help = "Create, list or revoke API keys."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key and print it (shown only once).")
        create.add_argument("--creditor", required=True, help="The creditor's slug.")
        create.add_argument("--name", required=True, help="Which system will use the key.")
        listing = actions.add_parser("list", help="List the keys (never their secrets).")
        listing.add_argument("--creditor", help="Only this creditor's keys (slug).")
        revoke = actions.add_parser("revoke", help="Revoke a key: it stops working at once.")
        revoke.add_argument("prefix", help="The key's prefix, as shown by list.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["creditor"], options["name"])
        elif options["action"] == "list":
            self._list(options["creditor"])
        else:
            self._revoke(options["prefix"])

    def _create(self, slug: str, name: str) -> None:
        creditor = Creditor.objects.filter(slug=slug).first()
        if creditor is None:
            raise CommandError(_("No creditor with slug %(slug)s.") % {"slug": slug})
        new_key = create_api_key(creditor, name=name)
        self.stdout.write(new_key.clear_key)
        self.stderr.write(_("Keep this key now: it is not stored and cannot be shown again."))

    def _list(self, slug: str | None) -> None:
        keys = ApiKey.objects.select_related("creditor").order_by("creditor__slug", "created_at")
        if slug:
            keys = keys.filter(creditor__slug=slug)
        for key in keys:
            state = _("revoked") if key.revoked_at else _("active")
            last_used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-"
            self.stdout.write(
                f"{key.prefix}\t{key.creditor.slug}\t{key.name}\t{state}\t"
                f"{key.created_at:%Y-%m-%d}\t{last_used}"
            )

    def _revoke(self, prefix: str) -> None:
        api_key = ApiKey.objects.filter(prefix=prefix).first()
        if api_key is None:
            raise CommandError(_("No API key with prefix %(prefix)s.") % {"prefix": prefix})
        revoke_api_key(api_key)
        self.stdout.write(_("Revoked %(prefix)s.") % {"prefix": prefix})
