"""Validation of portfolio files: raw String frames in, typed frames and row errors out.

Pure: no database, no files. The orchestration (``recaudo.portfolio.importing``) feeds chunks of
the file through ``prepare`` and ``validate_accounts`` / ``validate_payments`` and keeps what
must be known across chunks (ids already seen, accounts defined earlier in the import).

Row numbers are the line a spreadsheet user sees: the header is row 1, the first record row 2.
Money leaves this module as integer minor units of the row's currency (``*_minor`` columns).
"""

import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Literal

import phonenumbers
import polars as pl
from django.utils.translation import gettext as _
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumberDesc

from recaudo.customers.documents import InvalidDocument, normalise_document
from recaudo.customers.models import CHANNELS_BY_MEDIUM
from recaudo.lib.money import minor_units_by_currency
from recaudo.lib.phones import InvalidPhoneNumber, normalise_phone

Kind = Literal["accounts", "payments"]
ROW = "_row"
MAX_SHOWN_VALUE = 60
DEFAULT_MAX_CHARS = 255
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Money columns hold 19 digits with 4 decimals: at most 15 digits before the point.
MAX_INTEGER_DIGITS = 15


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class Column:
    name: str
    alias: str
    group: str
    max_chars: int = DEFAULT_MAX_CHARS


CUSTOMER, CONTACT, ACCOUNT, INSTALMENT, CONTACT_FILE, PAYMENT = (
    "customer",
    "contact",
    "account",
    "instalment",
    "contact_file",
    "payment",
)

ACCOUNT_COLUMNS = (
    Column("customer_id", "id_cliente", CUSTOMER, 100),
    Column("customer_kind", "tipo_persona", CUSTOMER),
    Column("first_name", "nombres", CUSTOMER, 150),
    Column("last_name", "apellidos", CUSTOMER, 200),
    Column("document_type", "tipo_documento", CUSTOMER),
    Column("document_number", "numero_documento", CUSTOMER, 40),
    Column("birth_date", "fecha_nacimiento", CUSTOMER),
    Column("country", "pais", CUSTOMER),
    Column("region", "departamento_estado", CUSTOMER, 3),
    Column("timezone", "zona_horaria", CUSTOMER, 64),
    Column("language", "idioma", CUSTOMER, 10),
    Column("customer_since", "cliente_desde", CUSTOMER),
    Column("customer_type", "tipo_cliente", CUSTOMER),
    Column("vulnerable", "vulnerable", CUSTOMER),
    Column("preferred_channel", "canal_preferido", CUSTOMER),
    Column("preferred_hours", "horario_preferido", CUSTOMER),
    Column("phone", "telefono", CONTACT),
    Column("phone_2", "telefono_2", CONTACT),
    Column("email", "correo", CONTACT, 254),
    Column("address", "direccion", CONTACT, 254),
    Column("account_id", "id_cuenta", ACCOUNT, 100),
    Column("product_type", "producto", ACCOUNT),
    Column("currency", "moneda", ACCOUNT),
    Column("original_amount", "monto_original", ACCOUNT),
    Column("opened_at", "fecha_apertura", ACCOUNT),
    Column("balance", "saldo", ACCOUNT),
    Column("balance_as_of", "fecha_saldo", ACCOUNT),
    Column("status", "estado", ACCOUNT),
    Column("instalment_number", "numero_cuota", INSTALMENT),
    Column("due_date", "fecha_vencimiento", INSTALMENT),
    Column("amount_due", "valor_cuota", INSTALMENT),
    Column("medium", "medio", CONTACT_FILE),
    Column("value", "valor", CONTACT_FILE, 254),
    Column("role", "rol", CONTACT_FILE),
    Column("name", "nombre", CONTACT_FILE, 200),
    Column("verified", "verificado", CONTACT_FILE),
    Column("authorised_channels", "canales_autorizados", CONTACT_FILE),
)

PAYMENT_COLUMNS = (
    Column("payment_reference", "referencia_pago", PAYMENT, 120),
    Column("account_id", "id_cuenta", PAYMENT, 100),
    Column("amount", "valor_pago", PAYMENT),
    Column("paid_at", "fecha_pago", PAYMENT),
    Column("method", "medio_pago", PAYMENT),
    Column("channel", "canal", PAYMENT, 40),
)

REQUIRED: dict[str, tuple[str, ...]] = {
    CUSTOMER: ("customer_id", "last_name", "document_type", "document_number"),
    CONTACT: ("customer_id",),
    ACCOUNT: ("account_id", "customer_id", "product_type", "original_amount", "balance"),
    INSTALMENT: ("account_id", "instalment_number", "due_date", "amount_due"),
    CONTACT_FILE: ("customer_id", "medium", "value"),
    PAYMENT: ("payment_reference", "account_id", "amount", "paid_at"),
}

# Canonical value -> accepted spellings (compared after ``normalise_word``).
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "product_type": {
        "credit_card": ("tarjeta_de_credito", "tarjeta_credito", "tarjeta"),
        "personal_loan": ("prestamo_personal", "credito_personal", "prestamo", "credito"),
        "microcredit": ("microcredito",),
        "auto_loan": ("credito_vehicular", "credito_automotriz", "vehiculo"),
        "mortgage": ("hipoteca", "credito_hipotecario", "hipotecario"),
        "utility": ("servicios_publicos", "servicio_publico"),
        "telecom": ("telecomunicaciones",),
        "bnpl": ("buy_now_pay_later", "compra_ahora_paga_despues"),
        "other": ("otro",),
    },
    "status": {
        "active": ("activa", "activo", "vigente"),
        "dispute": ("disputa", "en_disputa"),
        "legal": ("juridico", "cobro_juridico"),
        "paid": ("pagada", "pagado"),
        "written_off": ("castigada", "castigado"),
        "closed": ("cerrada", "cerrado"),
    },
    "customer_kind": {
        "person": ("persona", "natural", "persona_natural"),
        "company": ("empresa", "juridica", "persona_juridica"),
    },
    "customer_type": {
        "retail": ("minorista", "personas"),
        "sme": ("pyme",),
        "corporate": ("corporativo",),
        "vip": (),
        "employee": ("empleado",),
        "other": ("otro",),
    },
    "preferred_channel": {
        "sms": (),
        "whatsapp": (),
        "rcs": (),
        "voice": ("voz", "llamada"),
        "email": ("correo", "e_mail"),
        "push": (),
        "letter": ("carta",),
    },
    "medium": {
        "phone": ("telefono",),
        "email": ("correo", "e_mail"),
        "address": ("direccion",),
    },
    "role": {
        "debtor": ("deudor", "titular"),
        "co_debtor": ("codeudor",),
        "guarantor": ("fiador", "avalista"),
        "reference": ("referencia",),
    },
    "method": {
        "cash": ("efectivo",),
        "bank_transfer": ("transferencia", "transferencia_bancaria"),
        "card": ("tarjeta",),
        "direct_debit": ("debito_automatico",),
        "payment_link": ("enlace_de_pago", "link_de_pago"),
        "wallet": ("billetera",),
        "other": ("otro",),
    },
}
BOOLEANS = {
    "true": ("yes", "si", "1", "y", "s", "x", "verdadero"),
    "false": ("no", "0", "n", "falso"),
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)
DATE_COLUMNS = ("birth_date", "customer_since", "opened_at", "balance_as_of", "due_date")
AMOUNT_COLUMNS = ("original_amount", "balance", "amount_due")


@dataclass(frozen=True)
class CreditorDefaults:
    country: str
    currency: str
    timezone: str


@dataclass(frozen=True)
class HeaderMapping:
    renames: dict[str, str]
    groups: frozenset[str]
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class Validated:
    """The chunk's valid rows (typed, keeping ``_row``) and every problem found in it."""

    rows: pl.DataFrame
    errors: list[RowError]


# ---------------------------------------------------------------------------------- headers


def normalise_word(text: str) -> str:
    """Lower case, no accents, words joined by ``_``: ``Número Documento`` -> ``numero_documento``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "_".join(plain.replace("-", " ").replace("_", " ").split())


def columns_for(kind: Kind) -> tuple[Column, ...]:
    return ACCOUNT_COLUMNS if kind == "accounts" else PAYMENT_COLUMNS


def map_headers(headers: list[str], kind: Kind) -> HeaderMapping:
    """Match the file's headers to canonical names and tell which column groups the file holds."""
    by_spelling: dict[str, str] = {}
    for column in columns_for(kind):
        by_spelling[column.name] = column.name
        by_spelling[column.alias] = column.name
    renames: dict[str, str] = {}
    errors: list[RowError] = []
    for header in headers:
        name = by_spelling.get(normalise_word(header))
        if name is None:
            errors.append(RowError(1, header, header, _unknown_column_message(kind)))
        elif name in renames.values():
            errors.append(
                RowError(1, header, header, _("the column appears twice; keep only one of them"))
            )
        else:
            renames[header] = name
    groups = _groups_present(set(renames.values()), kind)
    errors.extend(_missing_column_errors(set(renames.values()), groups, kind))
    return HeaderMapping(renames, groups, errors)


def _unknown_column_message(kind: Kind) -> str:
    names = ", ".join(column.name for column in columns_for(kind))
    return _("unknown column; rename it to one of: %(names)s, or remove it") % {"names": names}


def _groups_present(names: set[str], kind: Kind) -> frozenset[str]:
    if kind == "payments":
        return frozenset({PAYMENT})
    if {"medium", "value"} & names:
        return frozenset({CONTACT_FILE})
    groups = {
        column.group
        for column in ACCOUNT_COLUMNS
        if column.name in names and column.name not in {"customer_id", "account_id"}
    }
    if ACCOUNT in groups:
        # Every account belongs to a customer, given on the same row.
        groups.add(CUSTOMER)
    return frozenset(groups)


def _missing_column_errors(names: set[str], groups: frozenset[str], kind: Kind) -> list[RowError]:
    if not groups:
        key = "payment_reference" if kind == "payments" else "account_id"
        return [RowError(1, key, "", _("the file has no known columns; see the import format"))]
    required = {name for group in groups for name in REQUIRED[group]}
    return [
        RowError(1, name, "", _("the column %(name)s is missing; add it") % {"name": name})
        for name in sorted(required - names)
    ]


# ------------------------------------------------------------------------------- preparing


def prepare(chunk: pl.DataFrame, mapping: HeaderMapping, first_row: int) -> pl.DataFrame:
    """Canonical column names, trimmed cells (blank becomes null) and the ``_row`` number."""
    known = [header for header in chunk.columns if header in mapping.renames]
    return chunk.select(
        pl.int_range(first_row, first_row + chunk.height, dtype=pl.Int64).alias(ROW),
        *[
            pl.col(header)
            .cast(pl.String)
            .str.strip_chars()
            .replace("", None)
            .alias(mapping.renames[header])
            for header in known
        ],
    )


# ------------------------------------------------------------------------------ validation


class _Checker:
    """Collects errors as frames of (row, column, value, message) while columns are typed."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.error_frames: list[pl.DataFrame] = []

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def flag(self, column: str, bad: pl.Expr, message: str | pl.Expr) -> None:
        found = self.frame.filter(bad).select(
            pl.col(ROW).alias("row"),
            pl.lit(column).alias("column"),
            pl.col(column).cast(pl.String).fill_null("").alias("value"),
            (message if isinstance(message, pl.Expr) else pl.lit(message)).alias("message"),
        )
        if found.height:
            self.error_frames.append(found)

    def flag_each(self, column: str, bad: pl.Expr, message: Callable[[dict], str]) -> None:
        """Like ``flag`` with a message built from each bad row (for messages with values)."""
        bad_rows = self.frame.filter(bad)
        if bad_rows.height:
            self.error_frames.append(
                pl.DataFrame(
                    {
                        "row": bad_rows[ROW],
                        "column": [column] * bad_rows.height,
                        "value": bad_rows[column].cast(pl.String).fill_null(""),
                        "message": [message(row) for row in bad_rows.iter_rows(named=True)],
                    }
                )
            )

    def errors(self) -> list[RowError]:
        if not self.error_frames:
            return []
        return errors_from_frame(pl.concat(self.error_frames))

    def valid_rows(self) -> pl.DataFrame:
        if not self.error_frames:
            return self.frame
        bad = pl.concat([errors.select("row") for errors in self.error_frames])
        return self.frame.join(bad, left_on=ROW, right_on="row", how="anti")


def errors_from_frame(errors: pl.DataFrame) -> list[RowError]:
    ordered = errors.sort("row", maintain_order=True)
    return [
        RowError(row, column, shorten(value), message)
        for row, column, value, message in ordered.iter_rows()
    ]


def shorten(value: str) -> str:
    if len(value) <= MAX_SHOWN_VALUE:
        return value
    return value[: MAX_SHOWN_VALUE - 1] + "…"


def validate_accounts(
    frame: pl.DataFrame,
    groups: frozenset[str],
    *,
    defaults: CreditorDefaults,
    today: date,
    account_currencies: pl.DataFrame | None = None,
    customer_countries: pl.DataFrame | None = None,
) -> Validated:
    """Type and check a prepared chunk of an accounts file.

    ``account_currencies`` (``account_id``, ``currency``) gives the accounts an instalments-only
    file may refer to, and ``customer_countries`` (``customer_id``, ``country``) the customers a
    contact points file may refer to; any other id is an error.
    """
    checker = _Checker(frame)
    _check_lengths(checker, ACCOUNT_COLUMNS)
    _check_required(checker, groups)
    for name in DATE_COLUMNS:
        _parse_date_column(checker, name)
    _parse_enums(checker)
    _parse_booleans(checker)
    if CONTACT_FILE in groups:
        _attach_customer_country(checker, customer_countries)
    elif CUSTOMER in groups or CONTACT in groups:
        _parse_customer_place(checker, defaults)
    if CUSTOMER in groups:
        _parse_documents(checker)
        _parse_preferred_hours(checker)
    if CONTACT in groups:
        for name in ("phone", "phone_2"):
            _parse_phone_column(checker, name)
        _parse_email_column(checker, "email")
    if CONTACT_FILE in groups:
        _parse_contact_values(checker)
    if ACCOUNT in groups:
        _default_account_columns(checker, defaults, today)
    elif INSTALMENT in groups:
        _attach_account_currency(checker, account_currencies)
    if ACCOUNT in groups or INSTALMENT in groups:
        _parse_currency(checker)
        for name in AMOUNT_COLUMNS:
            _parse_amount_column(checker, name)
    if INSTALMENT in groups:
        _parse_instalment_number(checker)
    return Validated(checker.valid_rows(), checker.errors())


def validate_payments(
    frame: pl.DataFrame,
    *,
    timezone: str,
    account_currencies: pl.DataFrame,
) -> Validated:
    """Type and check a prepared chunk of a payments file.

    ``account_currencies`` (``account_id``, ``currency``) holds the creditor's accounts that the
    chunk refers to. ``paid_at`` comes out in UTC; a date alone is noon in ``timezone``.
    """
    checker = _Checker(frame)
    _check_lengths(checker, PAYMENT_COLUMNS)
    _check_required(checker, frozenset({PAYMENT}))
    _parse_paid_at(checker, timezone)
    _parse_enums(checker)
    _attach_account_currency(checker, account_currencies)
    _parse_currency(checker)
    _parse_amount_column(checker, "amount", positive=True)
    return Validated(checker.valid_rows(), checker.errors())


def _check_lengths(checker: _Checker, columns: Iterable[Column]) -> None:
    """Refuse cells too long for their column, or carrying invisible control characters.

    NUL cannot be stored in a PostgreSQL text column, and the others are never meant in a
    portfolio file: they come from broken exports. Tabs and line breaks are allowed.
    """
    for column in columns:
        if checker.has(column.name):
            checker.flag_each(
                column.name,
                pl.col(column.name).str.len_chars() > column.max_chars,
                _too_long_message(column),
            )
            checker.flag(
                column.name,
                pl.col(column.name).str.contains(CONTROL_CHARACTERS),
                _("the cell contains an invisible control character; remove it and try again"),
            )


def _too_long_message(column: Column) -> Callable[[dict], str]:
    def message(row: dict) -> str:
        return _("the cell has %(length)s characters; at most %(limit)s are allowed here") % {
            "length": f"{len(row[column.name]):,}",
            "limit": f"{column.max_chars:,}",
        }

    return message


def _check_required(checker: _Checker, groups: frozenset[str]) -> None:
    required = {name for group in groups for name in REQUIRED[group]}
    for name in sorted(required):
        if checker.has(name):
            checker.flag(
                name, pl.col(name).is_null(), _("this value is required; fill in the cell")
            )


def _parse_date_column(checker: _Checker, name: str) -> None:
    if not checker.has(name):
        return
    parsed = pl.coalesce(
        [pl.col(name).str.to_date(fmt, strict=False, exact=True) for fmt in DATE_FORMATS]
    )
    checker.frame = checker.frame.with_columns(parsed.alias(f"{name}__parsed"))
    checker.flag(
        name,
        pl.col(name).is_not_null() & pl.col(f"{name}__parsed").is_null(),
        _(
            "not a valid date; write it as YYYY-MM-DD or DD/MM/YYYY "
            "(for example 2026-01-31 or 31/01/2026)"
        ),
    )
    checker.frame = checker.frame.with_columns(pl.col(f"{name}__parsed").alias(name)).drop(
        f"{name}__parsed"
    )


def _parse_paid_at(checker: _Checker, timezone: str) -> None:
    if not checker.has("paid_at"):
        return
    raw = pl.col("paid_at")
    moment = pl.coalesce(
        [
            raw.str.to_datetime(fmt, strict=False, exact=True, time_unit="us")
            for fmt in DATETIME_FORMATS
        ]
        + [
            raw.str.to_date(fmt, strict=False, exact=True).cast(pl.Datetime("us"))
            + pl.duration(hours=12)
            for fmt in DATE_FORMATS[:3]
        ]
    )
    local = moment.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    checker.frame = checker.frame.with_columns(
        local.dt.convert_time_zone("UTC").alias("paid_at__parsed")
    )
    checker.flag(
        "paid_at",
        raw.is_not_null() & pl.col("paid_at__parsed").is_null(),
        _(
            "not a valid date; write it as YYYY-MM-DD, DD/MM/YYYY or YYYY-MM-DD HH:MM "
            "(for example 2026-01-31 or 2026-01-31 14:30)"
        ),
    )
    checker.frame = checker.frame.with_columns(pl.col("paid_at__parsed").alias("paid_at")).drop(
        "paid_at__parsed"
    )


@cache
def _spellings(choices_key: str) -> dict[str, str]:
    spellings = {}
    for canonical, aliases in ENUMS[choices_key].items():
        spellings[canonical] = canonical
        for alias in aliases:
            spellings[alias] = canonical
    return spellings


def _normalised_words(expr: pl.Expr) -> pl.Expr:
    """A vectorised ``normalise_word`` for the few accented letters Spanish uses."""
    return (
        expr.str.to_lowercase()
        .str.replace_many(["á", "é", "í", "ó", "ú", "ü", "ñ"], ["a", "e", "i", "o", "u", "u", "n"])
        .str.replace_all(r"[\s\-_]+", "_")
    )


def _parse_enums(checker: _Checker) -> None:
    for name in ENUMS:
        if not checker.has(name):
            continue
        spellings = _spellings(name)
        mapped = _normalised_words(pl.col(name)).replace_strict(
            spellings, default=None, return_dtype=pl.String
        )
        checker.frame = checker.frame.with_columns(mapped.alias(f"{name}__parsed"))
        checker.flag(
            name,
            pl.col(name).is_not_null() & pl.col(f"{name}__parsed").is_null(),
            _("unknown value; use one of: %(choices)s") % {"choices": ", ".join(ENUMS[name])},
        )
        checker.frame = checker.frame.with_columns(pl.col(f"{name}__parsed").alias(name)).drop(
            f"{name}__parsed"
        )


def _parse_booleans(checker: _Checker) -> None:
    spellings = {word: value == "true" for value, words in BOOLEANS.items() for word in words}
    spellings |= {"true": True, "false": False}
    for name in ("vulnerable", "verified"):
        if not checker.has(name):
            continue
        mapped = _normalised_words(pl.col(name)).replace_strict(
            spellings, default=None, return_dtype=pl.Boolean
        )
        checker.frame = checker.frame.with_columns(mapped.alias(f"{name}__parsed"))
        checker.flag(
            name,
            pl.col(name).is_not_null() & pl.col(f"{name}__parsed").is_null(),
            _("not a yes/no value; write yes or no (si/no, true/false, 1/0)"),
        )
        checker.frame = checker.frame.with_columns(pl.col(f"{name}__parsed").alias(name)).drop(
            f"{name}__parsed"
        )


def _parse_customer_place(checker: _Checker, defaults: CreditorDefaults) -> None:
    """``country`` and ``timezone`` checked, blank ones taken from the creditor."""
    if checker.has("country"):
        checker.frame = checker.frame.with_columns(pl.col("country").str.to_uppercase())
        checker.flag(
            "country",
            pl.col("country").is_not_null()
            & ~pl.col("country").is_in(sorted(phonenumbers.SUPPORTED_REGIONS)),
            _("unknown country; use a two-letter ISO 3166 code such as CO, MX, CL or PE"),
        )
    if checker.has("timezone"):
        checker.flag(
            "timezone",
            pl.col("timezone").is_not_null()
            & ~pl.col("timezone").is_in(sorted(zoneinfo.available_timezones())),
            _("unknown time zone; use an IANA name such as America/Bogota"),
        )
    if checker.has("region"):
        checker.frame = checker.frame.with_columns(pl.col("region").str.to_uppercase())
        checker.flag(
            "region",
            pl.col("region").is_not_null() & ~pl.col("region").str.contains(r"^[A-Z0-9]{1,3}$"),
            _("not a region code; use the ISO 3166-2 code after the country, such as SP or MA"),
        )
    checker.frame = checker.frame.with_columns(
        _column_or_null(checker, "country").fill_null(defaults.country).alias("country"),
        _column_or_null(checker, "timezone").fill_null(defaults.timezone).alias("timezone"),
    )


def _column_or_null(checker: _Checker, name: str) -> pl.Expr:
    return pl.col(name) if checker.has(name) else pl.lit(None, dtype=pl.String)


def _parse_documents(checker: _Checker) -> None:
    if not (checker.has("document_type") and checker.has("document_number")):
        return
    keys = ["country", "document_type", "document_number"]
    unique = checker.frame.select(keys).drop_nulls().unique()
    results = [_document_result(*key) for key in unique.iter_rows()]
    lookup = unique.with_columns(
        pl.Series("document_type__parsed", [code for code, _number, _error in results]),
        pl.Series("document_number__parsed", [number for _code, number, _error in results]),
        pl.Series("document__error", [error for _code, _number, error in results]),
    )
    checker.frame = checker.frame.join(lookup, on=keys, how="left", nulls_equal=True)
    checker.flag(
        "document_number", pl.col("document__error").is_not_null(), pl.col("document__error")
    )
    checker.frame = checker.frame.with_columns(
        pl.col("document_type__parsed").alias("document_type"),
        pl.col("document_number__parsed").alias("document_number"),
    ).drop("document_type__parsed", "document_number__parsed", "document__error")


def _document_result(
    country: str, code: str, number: str
) -> tuple[str | None, str | None, str | None]:
    try:
        normal_code, normal_number = normalise_document(country, code, number)
    except InvalidDocument as error:
        return None, None, _("invalid document: %(reason)s") % {"reason": error.reason}
    return normal_code, normal_number, None


def _parse_preferred_hours(checker: _Checker) -> None:
    if not checker.has("preferred_hours"):
        return
    pattern = r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$"
    hours = pl.col("preferred_hours")
    checker.flag(
        "preferred_hours",
        hours.is_not_null() & ~hours.str.contains(pattern),
        _("not a valid time range; write it as HH:MM-HH:MM, for example 08:00-18:00"),
    )
    checker.frame = checker.frame.with_columns(
        (
            hours.str.extract(pattern, 1).str.zfill(2) + ":" + hours.str.extract(pattern, 2) + ":00"
        ).alias("preferred_hours_start"),
        (
            hours.str.extract(pattern, 3).str.zfill(2) + ":" + hours.str.extract(pattern, 4) + ":00"
        ).alias("preferred_hours_end"),
    ).drop("preferred_hours")


def _parse_phone_column(checker: _Checker, name: str, when: pl.Expr | None = None) -> None:
    if not checker.has(name):
        return
    condition = pl.col(name).is_not_null() if when is None else when
    # A row without a country already has an error (its customer is unknown).
    condition = condition & pl.col("country").is_not_null()
    countries = checker.frame.filter(condition)["country"].unique().to_list()
    checker.frame = checker.frame.with_columns(
        _fast_e164(pl.col(name), countries).alias("phone__fast")
    )
    slow = checker.frame.filter(condition & pl.col("phone__fast").is_null())
    unique = slow.select(name, "country").unique()
    numbers = [_phone_or_none(raw, country) for raw, country in unique.iter_rows()]
    lookup = unique.with_columns(pl.Series("phone__slow", numbers, dtype=pl.String))
    checker.frame = (
        checker.frame.join(lookup, on=[name, "country"], how="left")
        .with_columns(pl.coalesce("phone__fast", "phone__slow").alias(f"{name}__parsed"))
        .drop("phone__fast", "phone__slow")
    )
    checker.flag(
        name,
        condition & pl.col(f"{name}__parsed").is_null(),
        _(
            "not a valid phone number for the customer's country; "
            "write it with its area or mobile prefix, or in international form (+57...)"
        ),
    )
    replaced = pl.when(condition).then(pl.col(f"{name}__parsed")).otherwise(pl.col(name))
    checker.frame = checker.frame.with_columns(replaced.alias(name)).drop(f"{name}__parsed")


def _fast_e164(raw: pl.Expr, countries: list[str]) -> pl.Expr:
    """E.164 for the numbers the metadata alone proves valid; null for the rest.

    ``phonenumbers`` takes about 0.1 ms a number, too slow for a million rows; the numbers that
    are plain national digits or ``+<country code>`` digits are checked here with the same
    metadata, vectorised. Anything else (null here) goes through ``normalise_phone``.
    """
    digits = raw.str.replace_all(r"[\s\-.()]", "")
    expression = pl.lit(None, dtype=pl.String)
    for country in countries:
        rule = _fast_phone_rule(country)
        if rule is not None:
            expression = (
                pl.when(pl.col("country") == country).then(rule(digits)).otherwise(expression)
            )
    return expression


@dataclass(frozen=True)
class _NumberShape:
    """A metadata description of national numbers: a full-match pattern and allowed lengths."""

    pattern: str
    lengths: tuple[int, ...]

    def matches(self, national: pl.Expr) -> pl.Expr:
        found = national.str.contains(self.pattern)
        if self.lengths:
            found = found & national.str.len_chars().is_in(self.lengths)
        return found


def _number_shape(description: PhoneNumberDesc | None) -> _NumberShape | None:
    if description is None or description.national_number_pattern is None:
        return None
    lengths = tuple(n for n in description.possible_length or () if n > 0)
    return _NumberShape(f"^(?:{description.national_number_pattern})$", lengths)


@cache
def _fast_phone_rule(country: str) -> Callable[[pl.Expr], pl.Expr] | None:
    metadata = PhoneMetadata.metadata_for_region(country)
    if metadata is None or metadata.country_code is None:
        return None
    if COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code) != (country,):
        # Codes shared by several regions (+1) need the full parser to tell them apart.
        return None
    code = str(metadata.country_code)
    general = _number_shape(metadata.general_desc)
    kinds = [
        shape
        for shape in (_number_shape(getattr(metadata, kind)) for kind in _NUMBER_KINDS)
        if shape is not None
    ]
    prefix = f"^(?:{metadata.national_prefix_for_parsing or '$^'})"
    if general is None or not kinds:
        return None
    if not _compiles([general.pattern, prefix, *(shape.pattern for shape in kinds)]):
        return None

    def rule(digits: pl.Expr) -> pl.Expr:
        national = (
            pl.when(digits.str.starts_with(f"+{code}"))
            .then(digits.str.slice(len(code) + 1))
            .otherwise(digits)
        )
        valid = (
            national.str.contains(r"^[1-9]\d*$")
            & ~national.str.contains(prefix)
            & general.matches(national)
            & pl.any_horizontal([shape.matches(national) for shape in kinds])
        )
        return pl.when(valid).then(pl.lit(f"+{code}") + national)

    return rule


def _compiles(patterns: list[str]) -> bool:
    """Whether Polars' regex engine accepts these ``phonenumbers`` patterns (no look-arounds)."""
    try:
        pl.select(
            pl.lit("1").str.contains(pattern).alias(str(index))
            for index, pattern in enumerate(patterns)
        )
    except pl.exceptions.ComputeError:
        return False
    return True


_NUMBER_KINDS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _phone_or_none(raw: str, country: str) -> str | None:
    try:
        return normalise_phone(raw, country)
    except InvalidPhoneNumber:
        return None


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _parse_email_column(checker: _Checker, name: str, when: pl.Expr | None = None) -> None:
    if not checker.has(name):
        return
    condition = pl.col(name).is_not_null() if when is None else when
    checker.frame = checker.frame.with_columns(
        pl.when(condition).then(pl.col(name).str.to_lowercase()).otherwise(pl.col(name)).alias(name)
    )
    checker.flag(
        name,
        condition & ~pl.col(name).str.contains(EMAIL_PATTERN),
        _("not a valid e-mail address; write it as name@example.com"),
    )


def _parse_contact_values(checker: _Checker) -> None:
    """The ``value`` of a contact points file, checked for its ``medium``."""
    if not (checker.has("medium") and checker.has("value")):
        return
    _parse_phone_column(checker, "value", when=pl.col("medium") == "phone")
    _parse_email_column(checker, "value", when=pl.col("medium") == "email")
    _parse_authorised_channels(checker)


def _parse_authorised_channels(checker: _Checker) -> None:
    """``authorised_channels``: channels of the row's medium separated by ``|``, ``,``, ``;`` or
    spaces; kept as a list column."""
    if not checker.has("authorised_channels"):
        return
    allowed = pl.col("medium").replace_strict(
        {medium: list(channels) for medium, channels in CHANNELS_BY_MEDIUM.items()},
        default=None,
        return_dtype=pl.List(pl.String),
    )
    channels = (
        pl.col("authorised_channels")
        .str.to_lowercase()
        .str.replace_all(r"[|,; ]+", " ")
        .str.strip_chars()
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    checker.frame = checker.frame.with_columns(channels.alias("authorised_channels__list"))
    foreign = pl.col("authorised_channels__list").list.set_difference(allowed)
    checker.flag(
        "authorised_channels",
        pl.col("authorised_channels").is_not_null()
        & allowed.is_not_null()
        & (foreign.list.len() > 0),
        pl.format(
            _("{} cannot be used on this medium; use its channels: {}"),
            foreign.list.join(", "),
            allowed.list.join(", "),
        ),
    )
    checker.frame = checker.frame.with_columns(
        pl.col("authorised_channels__list").alias("authorised_channels")
    ).drop("authorised_channels__list")


def _default_account_columns(checker: _Checker, defaults: CreditorDefaults, today: date) -> None:
    checker.frame = checker.frame.with_columns(
        _column_or_null(checker, "currency")
        .str.to_uppercase()
        .fill_null(defaults.currency)
        .alias("currency"),
        (pl.col("balance_as_of") if checker.has("balance_as_of") else pl.lit(None, pl.Date)).alias(
            "balance_as_of_given"
        ),
        (pl.col("balance_as_of") if checker.has("balance_as_of") else pl.lit(None, pl.Date))
        .fill_null(today)
        .alias("balance_as_of"),
    )


def _attach_account_currency(checker: _Checker, account_currencies: pl.DataFrame | None) -> None:
    lookup = account_currencies if account_currencies is not None else _no_accounts()
    checker.frame = checker.frame.join(
        lookup.select("account_id", pl.col("currency").alias("currency__known")).unique(
            "account_id"
        ),
        on="account_id",
        how="left",
    )
    checker.flag(
        "account_id",
        pl.col("account_id").is_not_null() & pl.col("currency__known").is_null(),
        _("no account with this id; import the account first or correct the id"),
    )
    checker.frame = checker.frame.rename({"currency__known": "currency"})


def _attach_customer_country(checker: _Checker, customer_countries: pl.DataFrame | None) -> None:
    lookup = (
        customer_countries
        if customer_countries is not None
        else pl.DataFrame(schema={"customer_id": pl.String, "country": pl.String})
    )
    checker.frame = checker.frame.join(
        lookup.select("customer_id", "country").unique("customer_id"), on="customer_id", how="left"
    )
    checker.flag(
        "customer_id",
        pl.col("customer_id").is_not_null() & pl.col("country").is_null(),
        _("no customer with this id; import the customer first or correct the id"),
    )


def _no_accounts() -> pl.DataFrame:
    return pl.DataFrame(schema={"account_id": pl.String, "currency": pl.String})


def _parse_currency(checker: _Checker) -> None:
    units = minor_units_by_currency()
    checker.frame = checker.frame.with_columns(
        pl.col("currency")
        .replace_strict(units, default=None, return_dtype=pl.Int64)
        .alias("minor_unit")
    )
    checker.flag(
        "currency",
        pl.col("currency").is_not_null() & pl.col("minor_unit").is_null(),
        _("unknown currency; use an ISO 4217 code such as COP, MXN, CLP, PEN or USD"),
    )


def normalised_amount(expr: pl.Expr) -> pl.Expr:
    """``1.234,56``, ``1,234.56``, ``1234,56`` -> ``1234.56`` by ``lib.money.parse_decimal``'s rules."""
    text = expr.str.replace_all(r"[\s\u00a0$]", "")
    has_comma, has_dot = text.str.contains(",", literal=True), text.str.contains(".", literal=True)
    separators = text.str.count_matches(r"[.,]")
    one_thousands_group = (separators == 1) & text.str.contains(r"^-?\d+[.,].{3}$")
    return (
        pl.when(has_comma & has_dot & text.str.contains(r",[^.]*$"))
        .then(text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(has_comma & has_dot)
        .then(text.str.replace_all(",", "", literal=True))
        .when((separators > 1) | one_thousands_group)
        .then(text.str.replace_all(r"[.,]", ""))
        .otherwise(text.str.replace(",", ".", literal=True))
    )


def _parse_amount_column(checker: _Checker, name: str, *, positive: bool = False) -> None:
    if not checker.has(name):
        return
    checker.frame = checker.frame.with_columns(
        normalised_amount(pl.col(name)).alias("amount__text"),
        pl.lit(10, pl.Int64).pow(pl.col("minor_unit")).alias("amount__scale"),
    )
    text = pl.col("amount__text")
    checker.frame = checker.frame.with_columns(
        text.str.extract(r"^[+-]?(\d*)\.?\d*$", 1).alias("amount__integer"),
        text.str.extract(r"^[+-]?\d*\.(\d*)$", 1)
        .fill_null("")
        .str.strip_chars_end("0")
        .alias("amount__fraction"),
    )
    integer, fraction = pl.col("amount__integer"), pl.col("amount__fraction")
    # Four digits of fraction in ten-thousandths, then down to the currency's minor unit.
    fraction_e4 = fraction.str.pad_end(4, "0").str.slice(0, 4).cast(pl.Int64, strict=False)
    minor = integer.replace("", "0").cast(pl.Int64, strict=False) * pl.col("amount__scale") + (
        fraction_e4 * pl.col("amount__scale") // 10_000
    )
    checker.frame = checker.frame.with_columns(
        (
            text.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)$")
            & (integer.str.len_chars() <= MAX_INTEGER_DIGITS)
        ).alias("amount__ok"),
        text.str.starts_with("-").alias("amount__negative"),
        (fraction.str.len_chars() > pl.col("minor_unit")).alias("amount__too_precise"),
        minor.alias(f"{name}_minor"),
    ).drop("amount__text", "amount__scale", "amount__integer", "amount__fraction")
    present = pl.col(name).is_not_null() & pl.col("minor_unit").is_not_null()
    checker.flag(
        name,
        present & ~pl.col("amount__ok"),
        _(
            "not a valid amount; write digits with a decimal point or comma, "
            "for example 1234.56 or 1.234,56"
        ),
    )
    checker.flag(
        name,
        present
        & pl.col("amount__ok")
        & pl.col("amount__negative")
        & (pl.col(f"{name}_minor") != 0),
        _("the amount cannot be negative"),
    )
    checker.flag_each(
        name,
        present & pl.col("amount__ok") & pl.col("amount__too_precise"),
        lambda row: (
            _("%(currency)s amounts take at most %(digits)s decimals")
            % {"currency": row["currency"], "digits": row["minor_unit"]}
        ),
    )
    if positive:
        checker.flag(
            name,
            present & pl.col("amount__ok") & (pl.col(f"{name}_minor") == 0),
            _("the amount must be greater than zero"),
        )
    checker.frame = checker.frame.drop(
        name, "amount__ok", "amount__negative", "amount__too_precise"
    )


def _parse_instalment_number(checker: _Checker) -> None:
    number = pl.col("instalment_number").cast(pl.Int64, strict=False)
    checker.frame = checker.frame.with_columns(number.alias("instalment_number__parsed"))
    checker.flag(
        "instalment_number",
        pl.col("instalment_number").is_not_null()
        & ~(pl.col("instalment_number__parsed").is_between(1, 10_000)),
        _("not a valid instalment number; use a whole number from 1 to 10000"),
    )
    checker.frame = checker.frame.with_columns(
        pl.col("instalment_number__parsed").alias("instalment_number")
    ).drop("instalment_number__parsed")


# ----------------------------------------------------------------------- across the file


def duplicate_key(groups: frozenset[str]) -> list[str]:
    """The columns that identify one row of a file with these groups."""
    if PAYMENT in groups:
        return ["payment_reference"]
    if CONTACT_FILE in groups:
        return ["customer_id", "medium", "value"]
    if INSTALMENT in groups:
        return ["account_id", "instalment_number"]
    if ACCOUNT in groups:
        return ["account_id"]
    return ["customer_id"]


def duplicate_errors(
    frame: pl.DataFrame, key: list[str], seen: pl.DataFrame
) -> tuple[list[RowError], pl.DataFrame]:
    """Rows whose ``key`` appeared earlier (in ``seen`` or in this chunk), and ``seen`` updated.

    ``seen`` holds the key columns and ``first_row``; start with ``seen_keys(key)``.
    """
    rows = frame.select(*key, pl.col(ROW)).drop_nulls()
    firsts = rows.group_by(key, maintain_order=True).agg(pl.col(ROW).min().alias("first_row"))
    firsts = pl.concat([seen, firsts.join(seen, on=key, how="anti")])
    clashes = rows.join(firsts, on=key, how="inner").filter(pl.col(ROW) != pl.col("first_row"))
    column = key[-1] if len(key) > 1 and key[-1] == "instalment_number" else key[0]
    errors = [
        RowError(
            row[ROW],
            column,
            shorten(str(row[column])),
            _("duplicate: row %(first)s already has this id; keep only one of the two rows")
            % {"first": row["first_row"]},
        )
        for row in clashes.iter_rows(named=True)
    ]
    return errors, firsts


def seen_keys(frame_schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema={**frame_schema, "first_row": pl.Int64})


def disagreement_errors(frame: pl.DataFrame, key: str, columns: list[str]) -> list[RowError]:
    """Rows repeating ``key`` whose ``columns`` differ from its first row in this chunk."""
    present = [name for name in columns if name in frame.columns and name != key]
    if not present or key not in frame.columns:
        return []
    firsts = frame.group_by(key, maintain_order=True).agg(
        [pl.col(name).first().alias(f"{name}__first") for name in present]
    )
    joined = frame.join(firsts, on=key, how="left")
    errors = []
    for name in present:
        differing = joined.filter(pl.col(name).ne_missing(pl.col(f"{name}__first")))
        for row in differing.select(ROW, _shown(name)).iter_rows():
            errors.append(
                RowError(
                    row[0],
                    name.removesuffix("_minor"),
                    shorten(row[1] or ""),
                    _("differs from an earlier row of the same %(key)s; the values must agree")
                    % {"key": key},
                )
            )
    return errors


def _shown(name: str) -> pl.Expr:
    """The typed column as text a user recognises: minor units back to an amount."""
    if not name.endswith("_minor"):
        return pl.col(name).cast(pl.String)
    scale = pl.lit(10, pl.Int64).pow(pl.col("minor_unit"))
    whole = (pl.col(name) // scale).cast(pl.String)
    cents = (pl.col(name) % scale).cast(pl.String).str.zfill(pl.col("minor_unit"))
    return pl.when(pl.col("minor_unit") == 0).then(whole).otherwise(whole + "." + cents)


CUSTOMER_FIELDS = [c.name for c in ACCOUNT_COLUMNS if c.group == CUSTOMER] + [
    "preferred_hours_start",
    "preferred_hours_end",
]
ACCOUNT_FIELDS = [c.name for c in ACCOUNT_COLUMNS if c.group == ACCOUNT] + [
    "original_amount_minor",
    "balance_minor",
]
