"""Import benchmark: ``python bench/imports.py DIR`` imports a demo-data folder into a fresh database.

Make the folder with ``recaudo demo-data --accounts 100000 --countries CO --out DIR``. Uses
``DATABASE_URL`` (default: a new SQLite file in DIR); prints rows per second per file kind,
peak memory and the machine.
"""

import json
import os
import platform
import resource
import sys
import time
from pathlib import Path


def main(folder: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from recaudo.debts.models import Creditor

    call_command("migrate", verbosity=0)
    manifest = json.loads((folder / "creditors.json").read_text())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    for entry in manifest["creditors"]:
        Creditor.objects.update_or_create(
            slug=entry["slug"],
            defaults={k: entry[k] for k in ("name", "country", "currency", "timezone")},
        )
        files = {kind: str(folder / path) for kind, path in entry["files"].items()}
        started = time.perf_counter()
        call_command(
            "import_portfolio",
            "accounts",
            files["accounts"],
            files["instalments"],
            files["contact_points"],
            "--creditor",
            entry["slug"],
        )
        accounts_seconds = time.perf_counter() - started
        started = time.perf_counter()
        call_command("import_portfolio", "payments", files["payments"], "--creditor", entry["slug"])
        payments_seconds = time.perf_counter() - started
        print(
            f"{entry['slug']}: {entry['accounts']:,} accounts in {accounts_seconds:.1f} s "
            f"({entry['accounts'] / accounts_seconds:,.0f} accounts/s); "
            f"payments in {payments_seconds:.1f} s"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
