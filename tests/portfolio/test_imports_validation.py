"""Every import error, with its exact Spanish message (row 1 is the header)."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from recaudo.customers.models import Customer
from recaudo.debts.models import Account
from recaudo.portfolio.importing import ImportReport, import_accounts, import_payments
from recaudo.portfolio.imports import RowError
from recaudo.portfolio.io.files import table_source
from tests.factories import make_creditor

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
HEADER = (
    "customer_id,first_name,last_name,document_type,document_number,phone,"
    "account_id,product_type,currency,original_amount,opened_at,balance,balance_as_of"
)
GOOD = {
    "customer_id": "C1",
    "first_name": "María",
    "last_name": "Gómez",
    "document_type": "CC",
    "document_number": "1020304050",
    "phone": "3001234567",
    "account_id": "A1",
    "product_type": "personal_loan",
    "currency": "COP",
    "original_amount": "1000000",
    "opened_at": "2025-01-10",
    "balance": "900000",
    "balance_as_of": "2026-01-31",
}

pytestmark = pytest.mark.django_db


def write_csv(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def row_with(**changes: str) -> str:
    return ",".join((GOOD | changes)[name] for name in HEADER.split(","))


def import_files(*paths: Path, **options: object) -> ImportReport:
    creditor = make_creditor()
    return import_accounts([table_source(path) for path in paths], creditor=creditor, **options)  # type: ignore[arg-type]


def only_error(report: ImportReport) -> RowError:
    assert not report.written
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"opened_at": "2025-02-30"},
            "opened_at",
            "no es una fecha válida; escríbala como AAAA-MM-DD o DD/MM/AAAA "
            "(por ejemplo 2026-01-31 o 31/01/2026)",
        ),
        (
            {"balance_as_of": "01/31/2026"},
            "balance_as_of",
            "no es una fecha válida; escríbala como AAAA-MM-DD o DD/MM/AAAA "
            "(por ejemplo 2026-01-31 o 31/01/2026)",
        ),
        ({"balance": "-100"}, "balance", "el valor no puede ser negativo"),
        ({"balance": ""}, "balance", "este valor es obligatorio; complete la celda"),
        (
            {"balance": "12abc"},
            "balance",
            "no es un valor válido; escriba dígitos con punto o coma decimal, "
            "por ejemplo 1234.56 o 1.234,56",
        ),
        (
            {"currency": "XYZ"},
            "currency",
            "moneda desconocida; use un código ISO 4217, como COP, MXN, CLP, PEN o USD",
        ),
        (
            {"currency": "CLP", "balance": "1000.5"},
            "balance",
            "los valores en CLP admiten como máximo 0 decimales",
        ),
        (
            {"document_type": "NIT", "document_number": "900123456-1"},
            "document_number",
            "documento inválido: el dígito de verificación no coincide",
        ),
        (
            {"phone": "12345"},
            "phone",
            "no es un número de teléfono válido para el país del cliente; escríbalo con su "
            "indicativo de área o de celular, o en formato internacional (+57...)",
        ),
        (
            {"product_type": "yate"},
            "product_type",
            "valor desconocido; use uno de estos: credit_card, personal_loan, microcredit, "
            "auto_loan, mortgage, utility, telecom, bnpl, other",
        ),
        (
            {"last_name": "x" * 20_000},
            "last_name",
            "la celda tiene 20,000 caracteres; aquí se permiten como máximo 200",
        ),
        (
            {"last_name": "Gó\x00mez"},
            "last_name",
            "la celda contiene un carácter de control invisible; elimínelo e intente de nuevo",
        ),
    ],
)
def test_each_bad_cell_is_reported_with_row_column_and_reason(
    tmp_path: Path, changes: dict[str, str], column: str, message: str
) -> None:
    path = write_csv(tmp_path, f"{HEADER}\n{row_with(account_id='A0')}\n{row_with(**changes)}\n")
    error = only_error(import_files(path))
    assert (error.row, error.column, error.message) == (3, column, message)
    assert len(error.value) <= 60
    assert Account.objects.count() == 0


def test_duplicate_ids_in_one_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{HEADER}\n{row_with()}\n{row_with(customer_id='C2')}\n")
    error = only_error(import_files(path))
    assert error == RowError(
        3,
        "account_id",
        "A1",
        "duplicado: la fila 2 ya tiene este id; deje solo una de las dos filas",
    )


def test_missing_and_extra_columns(tmp_path: Path) -> None:
    header = HEADER.replace(",balance,", ",colour,")
    path = write_csv(tmp_path, f"{header}\n{row_with()}\n")
    report = import_files(path)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(1, "colour"), (1, "balance")]
    assert report.errors[0].message.startswith(
        "columna desconocida; cámbiele el nombre por uno de estos: customer_id, "
    )
    assert report.errors[1].message == "falta la columna balance; agréguela"


@pytest.mark.parametrize(
    ("name", "row", "message"),
    [
        ("empty.csv", 1, "el archivo está vacío"),
        (
            "header_only.csv",
            2,
            "el archivo tiene la fila de encabezados pero ninguna fila de datos",
        ),
        (
            "bad_encoding.csv",
            2,
            "el archivo no es texto UTF-8 ni Latin-1; ábralo en su hoja de cálculo y "
            "guárdelo como 'CSV UTF-8'",
        ),
    ],
)
def test_unreadable_files(name: str, row: int, message: str) -> None:
    error = only_error(import_files(FIXTURES / name))
    assert (error.row, error.message) == (row, message)


def test_latin1_semicolons_decimal_commas_and_spanish_headers() -> None:
    report = import_files(FIXTURES / "latin1_semicolon.csv")
    assert report.errors == []
    first = Account.objects.get(external_id="A1")
    assert (first.balance, first.original_amount, str(first.balance_as_of)) == (
        Decimal("1234567.89"),
        Decimal("1500000"),
        "2026-01-31",
    )
    assert first.product_type == "personal_loan"
    assert Account.objects.get(external_id="A2").product_type == "credit_card"
    customer = Customer.objects.get(external_id="C1")
    assert (customer.first_name, customer.last_name, customer.document_number) == (
        "María José",
        "Gómez Núñez",
        "1020304050",
    )
    assert customer.contact_points.get().value == "+573001234567"


def test_english_messages_with_lang_en(tmp_path: Path) -> None:
    from django.utils import translation

    path = write_csv(tmp_path, f"{HEADER}\n{row_with(balance='-1')}\n")
    with translation.override("en"):
        error = only_error(import_files(path))
    assert error.message == "the amount cannot be negative"


def test_formula_cells_are_stored_as_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"{HEADER}\n{row_with(first_name='=HYPERLINK(1)')}\n")
    assert import_files(path).errors == []
    assert Customer.objects.get().first_name == "=HYPERLINK(1)"


def test_xlsx_input_with_date_cells_and_a_formula_like_text(tmp_path: Path) -> None:
    import datetime as dt

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    values: list[object] = [GOOD[name] for name in HEADER.split(",")]
    values[HEADER.split(",").index("balance")] = 900000.5
    values[HEADER.split(",").index("opened_at")] = dt.date(2025, 1, 10)
    sheet.append(values)
    sheet["B2"].value = "=1+1"
    sheet["B2"].data_type = "s"
    path = tmp_path / "accounts.xlsx"
    workbook.save(path)
    report = import_files(path)
    assert report.errors == []
    account = Account.objects.get()
    assert (account.balance, str(account.opened_at)) == (Decimal("900000.5"), "2025-01-10")
    assert Customer.objects.get().first_name == "=1+1"


def test_payment_errors(tmp_path: Path) -> None:
    creditor = make_creditor()
    path = write_csv(
        tmp_path,
        "payment_reference,account_id,amount,paid_at\n"
        "P1,NOPE,100,2026-01-01\n"
        "P2,NOPE,0,2026-13-01\n",
    )
    report = import_payments(table_source(path), creditor=creditor)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (
            2,
            "account_id",
            "no hay ninguna cuenta con este id; importe primero la cuenta o corrija el id",
        ),
        (
            3,
            "paid_at",
            "no es una fecha válida; escríbala como AAAA-MM-DD, DD/MM/AAAA o AAAA-MM-DD HH:MM "
            "(por ejemplo 2026-01-31 o 2026-01-31 14:30)",
        ),
        (
            3,
            "account_id",
            "no hay ninguna cuenta con este id; importe primero la cuenta o corrija el id",
        ),
    ]


def test_wide_file_rows_of_one_account_must_agree(tmp_path: Path) -> None:
    header = f"{HEADER},instalment_number,due_date,amount_due"
    first = f"{row_with()},1,2026-01-15,100000"
    second = f"{row_with(balance='800000')},2,2026-02-15,100000"
    repeated = f"{row_with()},2,2026-03-15,100000"
    path = write_csv(tmp_path, f"{header}\n{first}\n{second}\n{repeated}\n")
    report = import_files(path)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (
            3,
            "balance",
            "difiere de una fila anterior con el mismo account_id; los valores deben coincidir",
        ),
        (
            4,
            "instalment_number",
            "duplicado: la fila 3 ya tiene este id; deje solo una de las dos filas",
        ),
    ]
    assert report.errors[0].value == "800000.00"


def test_a_frame_from_an_api_batch_imports_like_a_file() -> None:
    import polars as pl

    from recaudo.portfolio.importing import frame_source

    batch = pl.DataFrame({name: [GOOD[name]] for name in HEADER.split(",")})
    report = import_accounts([frame_source(batch)], creditor=make_creditor())
    assert (report.errors, report.created["accounts"]) == ([], 1)


def test_errors_name_the_column_as_the_file_spells_it(tmp_path: Path) -> None:
    header = HEADER.replace("balance,", "Saldo,").replace("product_type", "producto")
    path = write_csv(tmp_path, f"{header}\n{row_with(balance='-5')}\n")
    error = only_error(import_files(path))
    assert (error.row, error.column, error.message) == (
        2,
        "Saldo",
        "el valor no puede ser negativo",
    )
