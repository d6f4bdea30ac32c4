"""``recaudo import``, the admin upload page and the sample files in ``examples/``."""

import shutil
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from recaudo.debts.models import Account, AccountEvent, Instalment, Payment
from recaudo.portfolio.io.files import write_rejected
from tests.factories import make_creditor

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    output = StringIO()
    call_command("import_portfolio", *args, stdout=output)
    return output.getvalue()


def test_the_examples_import_cleanly_and_twice_without_changes() -> None:
    creditor = make_creditor()
    accounts = [str(EXAMPLES / name) for name in ("instalments.csv", "accounts.csv")]
    wide, contacts = str(EXAMPLES / "cartera_amplia.csv"), str(EXAMPLES / "contact_points.csv")
    for _attempt in range(2):
        run("accounts", *accounts, contacts, "--creditor", creditor.slug)
        run("accounts", wide, "--creditor", creditor.slug)
        output = run("payments", str(EXAMPLES / "payments.csv"), "--creditor", creditor.slug)
        if _attempt == 0:
            events = AccountEvent.objects.count()
    assert "filas/s" in output
    assert AccountEvent.objects.count() == events
    assert Account.objects.count() == 5
    assert Instalment.objects.count() == 10
    assert Payment.objects.count() == 3


def test_cli_reports_errors_in_a_table_and_fails(tmp_path: Path) -> None:
    creditor = make_creditor()
    path = tmp_path / "accounts.csv"
    path.write_text((FIXTURES / "accounts.csv").read_text().replace("1000000,2025", "-5,2025"))
    output = StringIO()
    with pytest.raises(CommandError, match="no se importó nada"):
        call_command(
            "import_portfolio", "accounts", str(path), "--creditor", creditor.slug, stdout=output
        )
    assert "el valor no puede ser negativo" in output.getvalue()
    rejected = pl.read_csv(tmp_path / "accounts.rejected.csv", infer_schema=False)
    assert rejected["original_amount"].to_list() == ["'-5"]
    assert Account.objects.count() == 0


def test_cli_skip_invalid_in_english_with_a_rejected_file(tmp_path: Path) -> None:
    creditor = make_creditor()
    path = tmp_path / "accounts.csv"
    text = (FIXTURES / "accounts.csv").read_text().replace("credit_card", "yacht")
    path.write_text(text)
    out = tmp_path / "out" / "rejected.csv"
    output = run(
        "accounts",
        str(path),
        "--creditor",
        creditor.slug,
        "--skip-invalid",
        "--rejected-out",
        str(out),
        "--lang",
        "en",
    )
    assert "unknown value; use one of" in output
    assert "rows/s" in output
    assert pl.read_csv(out)["account_id"].to_list() == ["A2"]
    assert Account.objects.count() == 1


def test_rejected_file_escapes_formula_cells(tmp_path: Path) -> None:
    path = write_rejected(
        pl.DataFrame({"name": ["=cmd()", "+1", "@x", "-2", "plain"], "error": ["e"] * 5}),
        tmp_path / "rejected.csv",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    names = pl.read_csv(path, infer_schema=False)["name"].to_list()
    assert names == ["'=cmd()", "'+1", "'@x", "'-2", "plain"]


def test_admin_upload_page_shows_the_validation_report(tmp_path: Path) -> None:
    creditor = make_creditor()
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client()
    client.force_login(user)
    assert client.get("/admin/portfolio/import/").status_code == 200
    bad = (FIXTURES / "accounts.csv").read_bytes().replace(b"credit_card", b"yacht")
    response = client.post(
        "/admin/portfolio/import/",
        {
            "creditor": creditor.pk,
            "kind": "accounts",
            "file": SimpleUploadedFile("accounts.csv", bad),
        },
    )
    assert response.status_code == 200
    assert "valor desconocido; use uno de estos" in response.content.decode()
    assert Account.objects.count() == 0
    good = SimpleUploadedFile("accounts.csv", (FIXTURES / "accounts.csv").read_bytes())
    client.post(
        "/admin/portfolio/import/",
        {"creditor": creditor.pk, "kind": "accounts", "file": good},
    )
    assert Account.objects.count() == 2


def test_admin_index_template_links_to_the_upload_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib import admin

    monkeypatch.setattr(admin.site, "index_template", "admin/portfolio/index.html")
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw"))
    assert 'href="/admin/portfolio/import/"' in client.get("/admin/").content.decode()


def test_admin_upload_page_is_for_staff_only() -> None:
    response = Client().get("/admin/portfolio/import/")
    assert response.status_code == 302


def test_examples_are_copied_untouched(tmp_path: Path) -> None:
    # The sample files are documentation: keep them importable as they are.
    for name in ("accounts.csv", "instalments.csv", "payments.csv", "cartera_amplia.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes()
