"""The database side of imports: validated chunks upserted in bulk, with their timeline events.

Each ``write_*`` function takes a frame produced by ``recaudo.portfolio.imports``, loads the
existing rows for the chunk's external ids, and inserts what is new and updates what changed.
Unchanged rows are not touched and get no event, so importing the same file twice is a no-op.

Money is compared in ten-thousandths (``*_e4`` columns, Int64): the database keeps four decimal
places for every currency, and the file's minor units convert to it exactly.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from django.db import connection, models

from recaudo.customers.models import Consent, ConsentPurpose, ContactPoint, Customer
from recaudo.debts.models import (
    Account,
    AccountEvent,
    Creditor,
    EventKind,
    Instalment,
    Payment,
    Plan,
)
from recaudo.portfolio import imports as schema
from recaudo.portfolio.allocation import allocate_oldest_first
from recaudo.portfolio.io.bulk import insert_frame, is_postgresql, read_frame, update_from_frame
from recaudo.portfolio.ledger import balance_reductions

E4 = 10_000


@dataclass
class Counts:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    # Rows left alone on purpose: instalments a payment plan replaced or created.
    skipped: dict[str, int] = field(default_factory=dict)

    def add(
        self, kind: str, *, created: int = 0, updated: int = 0, unchanged: int = 0, skipped: int = 0
    ) -> None:
        for totals, count in (
            (self.created, created),
            (self.updated, updated),
            (self.unchanged, unchanged),
        ):
            totals[kind] = totals.get(kind, 0) + count
        if skipped:
            self.skipped[kind] = self.skipped.get(kind, 0) + skipped


@dataclass(frozen=True)
class Writer:
    """Who writes, and when: shared by every function of one import."""

    creditor: Creditor
    actor: str
    actor_name: str
    now: datetime


# ------------------------------------------------------------------------------ helpers


def _e4(minor: pl.Expr) -> pl.Expr:
    """Minor units of the row's currency (``minor_unit`` column) to ten-thousandths."""
    return minor * pl.lit(10, pl.Int64).pow(4 - pl.col("minor_unit"))


def _money_sql(column: str) -> str:
    return f"CAST(ROUND({column} * {E4}) AS BIGINT)"


def _decimal_text(e4: pl.Expr) -> pl.Expr:
    """Ten-thousandths as the decimal text both databases store exactly (``1234.5600``)."""
    return (
        pl.when(e4 < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        + (e4.abs() // E4).cast(pl.String)
        + "."
        + (e4.abs() % E4).cast(pl.String).str.zfill(4)
    )


def _display_money(e4: pl.Expr, minor_unit: pl.Expr) -> pl.Expr:
    """Ten-thousandths shown with the currency's own decimals (``1234.56``, CLP ``1234``)."""
    whole = (e4 // E4).cast(pl.String)
    decimals = (e4 % E4).cast(pl.String).str.zfill(4).str.slice(0, minor_unit)
    return pl.when(minor_unit == 0).then(whole).otherwise(whole + "." + decimals)


@dataclass(frozen=True)
class _Keys:
    """A ``column <match>`` SQL condition and its one parameter: the column is one of ``values``."""

    match: str
    values: object


def _any_of(values: pl.Series, sql_type: str = "text") -> _Keys:
    items = values.unique().drop_nulls().to_list()
    if is_postgresql():
        return _Keys(f"= ANY(%s::{sql_type}[])", items)
    return _Keys("IN (SELECT value FROM json_each(%s))", json.dumps(items))


def _model_defaults(model: type[models.Model], now: datetime) -> dict[str, Any]:
    """Every concrete column's value for a new row when the import does not give one."""
    defaults: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            defaults[model_field.column] = now
        elif model_field.has_default():
            value = model_field.get_default()
            if isinstance(model_field, models.JSONField):
                value = json.dumps(value)
            elif isinstance(model_field, models.DecimalField):
                value = str(value)
            defaults[model_field.column] = value
        else:
            defaults[model_field.column] = None
    return defaults


def _insert_rows(model: type[models.Model], frame: pl.DataFrame, now: datetime) -> int:
    """Insert ``frame`` into ``model``'s table, filling every column it lacks with its default."""
    defaults = _model_defaults(model, now)
    filled = frame.with_columns(
        pl.lit(value, dtype=_literal_type(value)).alias(column)
        for column, value in defaults.items()
        if column not in frame.columns
    )
    return insert_frame(
        model._meta.db_table, filled.select(c for c in defaults if c in filled.columns)
    )


def _literal_type(value: Any) -> pl.DataType | None:
    if isinstance(value, datetime):
        return pl.Datetime("us", "UTC")
    if value is None:
        return pl.String()
    return None


def _changed(joined: pl.DataFrame, columns: list[str]) -> pl.Expr:
    """Rows where some incoming column differs from the stored one (``<name>_old``)."""
    return pl.any_horizontal(pl.col(name).ne_missing(pl.col(f"{name}_old")) for name in columns)


def _keep_stored_when_blank(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """A blank cell in the file keeps what is stored for an existing row."""
    return frame.with_columns(
        pl.coalesce(pl.col(name), pl.col(f"{name}_old")).alias(name) for name in columns
    )


def _events(frame: pl.DataFrame, kind: str, writer: Writer) -> pl.DataFrame:
    """AccountEvent rows for ``frame`` (``account_id`` and optional from/to/data columns)."""
    return frame.select(
        pl.col("account_id"),
        pl.lit(kind).alias("kind"),
        pl.lit(writer.now, dtype=pl.Datetime("us", "UTC")).alias("at"),
        pl.lit(None, dtype=pl.Date).alias("as_of"),
        pl.lit(writer.actor).alias("actor"),
        pl.lit(writer.actor_name).alias("actor_name"),
        _optional(frame, "from_value").alias("from_value"),
        _optional(frame, "to_value").alias("to_value"),
        _optional(frame, "data", "{}").alias("data"),
    )


def _optional(frame: pl.DataFrame, name: str, default: str = "") -> pl.Expr:
    return pl.col(name).fill_null(default) if name in frame.columns else pl.lit(default)


def write_events(events: list[pl.DataFrame]) -> int:
    present = [frame for frame in events if frame.height]
    if not present:
        return 0
    return insert_frame(AccountEvent._meta.db_table, pl.concat(present))


def _to_json(columns: list[str]) -> pl.Expr:
    return pl.struct(columns).struct.json_encode()


# ---------------------------------------------------------------------------- customers

CUSTOMER_COLUMNS = {  # file column -> (database column, comparable SQL over alias ``c``)
    "customer_kind": ("kind", "c.kind"),
    "first_name": ("first_name", "c.first_name"),
    "last_name": ("last_name", "c.last_name"),
    "document_type": ("document_type", "c.document_type"),
    "document_number": ("document_number", "c.document_number"),
    "birth_date": ("birth_date", "c.birth_date"),
    "country": ("country", "c.country"),
    "region": ("region", "c.region"),
    "timezone": ("timezone", "c.timezone"),
    "language": ("language", "c.language"),
    "customer_since": ("customer_since", "c.customer_since"),
    "customer_type": ("customer_type", "c.customer_type"),
    "vulnerable": ("vulnerable", "CASE WHEN c.vulnerable THEN 1 ELSE 0 END"),
    "preferred_channel": ("preferred_channels", "CAST(c.preferred_channels AS TEXT)"),
    "preferred_hours_start": ("preferred_hours_start", "CAST(c.preferred_hours_start AS TEXT)"),
    "preferred_hours_end": ("preferred_hours_end", "CAST(c.preferred_hours_end AS TEXT)"),
}
_CUSTOMER_TYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "vulnerable": pl.Int64,
    "birth_date": pl.Date,
    "customer_since": pl.Date,
}


def write_customers(rows: pl.DataFrame, writer: Writer, counts: Counts) -> pl.DataFrame:
    """Upsert the chunk's customers; return ``customer_id`` -> ``customer_pk`` and ``is_new``."""
    incoming = _customer_values(rows)
    columns = [name for name in CUSTOMER_COLUMNS if name in incoming.columns]
    stored = _stored_customers(incoming["customer_id"], writer.creditor, columns)
    joined = incoming.join(stored, on="customer_id", how="left")
    existing = _keep_stored_when_blank(joined.filter(pl.col("customer_pk").is_not_null()), columns)
    changed = existing.filter(_changed(existing, columns))
    new = joined.filter(pl.col("customer_pk").is_null())
    _insert_customers(new, columns, writer)
    if changed.height:
        update_from_frame(
            Customer._meta.db_table,
            _customer_db_frame(changed, columns)
            .with_columns(pl.col("customer_pk").alias("id"), pl.lit(writer.now).alias("updated_at"))
            .drop("customer_pk"),
        )
    counts.add(
        "customers",
        created=new.height,
        updated=changed.height,
        unchanged=existing.height - changed.height,
    )
    ids = _stored_customers(incoming["customer_id"], writer.creditor, [])
    return ids.with_columns(
        pl.col("customer_id").is_in(new["customer_id"].implode()).alias("is_new")
    )


def _customer_values(rows: pl.DataFrame) -> pl.DataFrame:
    present = [name for name in CUSTOMER_COLUMNS if name in rows.columns]
    values = rows.unique("customer_id", keep="first", maintain_order=True).select(
        "customer_id", *present
    )
    conversions = []
    if "vulnerable" in present:
        conversions.append(pl.col("vulnerable").cast(pl.Int64))
    if "preferred_channel" in present:
        conversions.append(
            pl.when(pl.col("preferred_channel").is_not_null())
            .then('["' + pl.col("preferred_channel") + '"]')
            .alias("preferred_channel")
        )
    return values.with_columns(conversions) if conversions else values


def _stored_customers(ids: pl.Series, creditor: Creditor, columns: list[str]) -> pl.DataFrame:
    selects = "".join(f", {CUSTOMER_COLUMNS[name][1]}" for name in columns)
    result_schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "customer_pk": pl.Int64,
        "customer_id": pl.String,
        **{f"{name}_old": _CUSTOMER_TYPES.get(name, pl.String) for name in columns},
    }
    keys = _any_of(ids)
    return read_frame(
        f"SELECT c.id, c.external_id{selects} FROM {Customer._meta.db_table} c "
        f"WHERE c.creditor_id = %s AND c.external_id {keys.match}",
        [creditor.pk, keys.values],
        result_schema,
    )


def _customer_db_frame(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    conversions = [pl.col(name).alias(CUSTOMER_COLUMNS[name][0]) for name in columns]
    frame = frame.select(pl.col("customer_pk"), *conversions)
    if "vulnerable" in frame.columns:
        frame = frame.with_columns(pl.col("vulnerable").cast(pl.Boolean))
    return frame


def _insert_customers(new: pl.DataFrame, columns: list[str], writer: Writer) -> None:
    if not new.height:
        return
    frame = (
        _customer_db_frame(new, columns)
        .drop("customer_pk")
        .with_columns(
            pl.lit(writer.creditor.pk).alias("creditor_id"),
            new["customer_id"].alias("external_id"),
        )
    )
    defaults = _model_defaults(Customer, writer.now)
    frame = frame.with_columns(
        pl.col(name).fill_null(defaults[name])
        for name in frame.columns
        if defaults.get(name) is not None and not isinstance(defaults[name], datetime)
    )
    _insert_rows(Customer, frame, writer.now)


# ------------------------------------------------------------------------ contact points


def contact_points_of(rows: pl.DataFrame, groups: frozenset[str]) -> pl.DataFrame:
    """``customer_id, medium, value, role, name, verified`` from a wide file or a contacts file."""
    if schema.CONTACT_FILE in groups:
        return rows.select(
            "customer_id",
            "medium",
            "value",
            _optional_col(rows, "role", "debtor"),
            _optional_col(rows, "name", ""),
            _optional_col(rows, "verified", False, pl.Boolean),
            (
                pl.col("authorised_channels")
                if "authorised_channels" in rows.columns
                else pl.lit(None, pl.List(pl.String)).alias("authorised_channels")
            ),
        )
    parts = [
        rows.select(
            "customer_id",
            pl.lit(medium).alias("medium"),
            pl.col(name).alias("value"),
        )
        for name, medium in (
            ("phone", "phone"),
            ("phone_2", "phone"),
            ("email", "email"),
            ("address", "address"),
        )
        if name in rows.columns
    ]
    if not parts:
        return pl.DataFrame()
    return (
        pl.concat(parts)
        .drop_nulls("value")
        .with_columns(
            pl.lit("debtor").alias("role"),
            pl.lit("").alias("name"),
            pl.lit(False).alias("verified"),
        )
    )


def _optional_col(rows: pl.DataFrame, name: str, default: Any, dtype: Any = pl.String) -> pl.Expr:
    column = pl.col(name) if name in rows.columns else pl.lit(None, dtype)
    return column.fill_null(default).alias(name)


def write_contact_points(
    points: pl.DataFrame, customers: pl.DataFrame, writer: Writer, counts: Counts
) -> list[pl.DataFrame]:
    """Add the contact points not stored yet; return ``contact_point_added`` events."""
    if not points.height:
        return []
    points = points.unique(["customer_id", "medium", "value"], keep="first", maintain_order=True)
    points = points.join(customers, on="customer_id", how="inner")
    keys = _any_of(points["customer_pk"], "bigint")
    stored = read_frame(
        f"SELECT p.customer_id, p.medium, p.value FROM {ContactPoint._meta.db_table} p "
        f"WHERE p.customer_id {keys.match}",
        [keys.values],
        {"customer_pk": pl.Int64, "medium": pl.String, "value": pl.String},
    )
    new = points.join(stored, on=["customer_pk", "medium", "value"], how="anti")
    _insert_rows(
        ContactPoint,
        new.select(
            pl.col("customer_pk").alias("customer_id"),
            "medium",
            "value",
            "role",
            "name",
            "verified",
        ),
        writer.now,
    )
    counts.add("contact_points", created=new.height, unchanged=points.height - new.height)
    if "authorised_channels" in points.columns:
        _write_authorisations(points, writer, counts)
    added_to_existing = new.filter(~pl.col("is_new"))
    if not added_to_existing.height:
        return []
    accounts = _accounts_of_customers(added_to_existing["customer_pk"])
    return [
        _events(
            added_to_existing.join(accounts, on="customer_pk").with_columns(
                pl.col("value").alias("to_value"),
                _to_json(["medium", "value", "role"]).alias("data"),
            ),
            EventKind.CONTACT_POINT_ADDED,
            writer,
        )
    ]


def _write_authorisations(points: pl.DataFrame, writer: Writer, counts: Counts) -> None:
    """A granted collections consent for each listed channel that has no consent on record.

    An import never overrides a consent already recorded, such as an opt-out the customer sent
    by reply after the file was exported.
    """
    listed = (
        points.select(
            "customer_pk", "medium", "value", pl.col("authorised_channels").alias("channel")
        )
        .explode("channel")
        .drop_nulls("channel")
        .unique()
    )
    if not listed.height:
        return
    keys = _any_of(listed["customer_pk"].unique(), "bigint")
    stored = read_frame(
        f"SELECT p.id, p.customer_id, p.medium, p.value FROM {ContactPoint._meta.db_table} p "
        f"WHERE p.customer_id {keys.match}",
        [keys.values],
        {
            "contact_point_id": pl.Int64,
            "customer_pk": pl.Int64,
            "medium": pl.String,
            "value": pl.String,
        },
    )
    consents = read_frame(
        f"SELECT c.contact_point_id, c.channel FROM {Consent._meta.db_table} c "
        f"JOIN {ContactPoint._meta.db_table} p ON p.id = c.contact_point_id "
        f"WHERE c.purpose = %s AND p.customer_id {keys.match}",
        [ConsentPurpose.COLLECTIONS, keys.values],
        {"contact_point_id": pl.Int64, "channel": pl.String},
    )
    new = listed.join(stored, on=["customer_pk", "medium", "value"]).join(
        consents, on=["contact_point_id", "channel"], how="anti"
    )
    _insert_rows(
        Consent,
        new.select(
            "contact_point_id",
            "channel",
            pl.lit(ConsentPurpose.COLLECTIONS.value).alias("purpose"),
            pl.lit(True).alias("granted"),
            pl.lit("import").alias("source"),
            pl.lit(writer.now, pl.Datetime("us", "UTC")).alias("at"),
        ),
        writer.now,
    )
    counts.add("consents", created=new.height, unchanged=listed.height - new.height)


def _accounts_of_customers(customer_pks: pl.Series) -> pl.DataFrame:
    keys = _any_of(customer_pks, "bigint")
    return read_frame(
        f"SELECT a.id, a.customer_id FROM {Account._meta.db_table} a "
        f"WHERE a.customer_id {keys.match}",
        [keys.values],
        {"account_id": pl.Int64, "customer_pk": pl.Int64},
    )


# ------------------------------------------------------------------------------- accounts

ACCOUNT_VALUE_COLUMNS = [
    "product_type",
    "currency",
    "original_amount_e4",
    "opened_at",
    "balance_e4",
    "balance_as_of",
    "status",
]


def write_accounts(
    rows: pl.DataFrame, customers: pl.DataFrame, writer: Writer, counts: Counts
) -> list[pl.DataFrame]:
    """Upsert the chunk's accounts; return their ``created``/``balance_changed``/``updated`` events."""
    incoming = _account_values(rows).join(
        customers.select("customer_id", "customer_pk"), on="customer_id"
    )
    stored = _stored_accounts(incoming["account_id"], writer.creditor)
    joined = incoming.join(stored, on="account_id", how="left")
    new = joined.filter(pl.col("account_pk").is_null()).with_columns(
        pl.col("status").fill_null("active")
    )
    existing = _settle_existing_accounts(joined.filter(pl.col("account_pk").is_not_null()), writer)
    changed = existing.filter(_changed(existing, [*ACCOUNT_VALUE_COLUMNS, "customer_pk"]))
    _insert_accounts(new, writer)
    if changed.height:
        update_from_frame(
            Account._meta.db_table,
            changed.select(pl.col("account_pk").alias("id"), *_account_db_columns(writer)),
        )
    counts.add(
        "accounts",
        created=new.height,
        updated=changed.height,
        unchanged=existing.height - changed.height,
    )
    created_ids = _stored_accounts(new["account_id"], writer.creditor).select(
        "account_id", "account_pk"
    )
    return [
        _events(
            new.drop("account_pk")
            .join(created_ids, on="account_id")
            .select(
                pl.col("account_pk").alias("account_id"),
                _display_money(pl.col("balance_e4"), pl.col("minor_unit")).alias("to_value"),
            ),
            EventKind.CREATED,
            writer,
        ),
        *_account_change_events(changed, writer),
    ]


def _account_values(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.unique("account_id", keep="first", maintain_order=True).select(
        "account_id",
        "customer_id",
        "product_type",
        "currency",
        "minor_unit",
        _e4(pl.col("original_amount_minor")).alias("original_amount_e4"),
        pl.col("opened_at")
        if "opened_at" in rows.columns
        else pl.lit(None, pl.Date).alias("opened_at"),
        _e4(pl.col("balance_minor")).alias("balance_e4"),
        "balance_as_of",
        "balance_as_of_given",
        pl.col("status") if "status" in rows.columns else pl.lit(None, pl.String).alias("status"),
    )


def _stored_accounts(ids: pl.Series, creditor: Creditor) -> pl.DataFrame:
    keys = _any_of(ids)
    return read_frame(
        f"SELECT a.id, a.external_id, a.customer_id, a.product_type, a.currency, "
        f"{_money_sql('a.original_amount')}, a.opened_at, {_money_sql('a.balance')}, "
        f"a.balance_as_of, a.status, a.created_at FROM {Account._meta.db_table} a "
        f"WHERE a.creditor_id = %s AND a.external_id {keys.match}",
        [creditor.pk, keys.values],
        {
            "account_pk": pl.Int64,
            "account_id": pl.String,
            "customer_pk_old": pl.Int64,
            "product_type_old": pl.String,
            "currency_old": pl.String,
            "original_amount_e4_old": pl.Int64,
            "opened_at_old": pl.Date,
            "balance_e4_old": pl.Int64,
            "balance_as_of_old": pl.Date,
            "status_old": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
        },
    )


def _settle_existing_accounts(existing: pl.DataFrame, writer: Writer) -> pl.DataFrame:
    """Apply the balance rule and keep stored values where the file leaves cells blank.

    The file's balance is as of ``balance_as_of``; payments recorded after that date are
    subtracted. A blank ``balance_as_of`` keeps the stored date while the balance is unchanged.
    """
    existing = _keep_stored_when_blank(existing, ["opened_at", "status"])
    reductions = balance_reductions(
        _payments_of(existing["account_pk"], writer.creditor),
        existing.select(
            pl.col("account_pk").alias("account_id"),
            pl.coalesce("balance_as_of_given", "balance_as_of_old").alias("balance_as_of"),
        ),
    )
    return (
        existing.join(reductions, left_on="account_pk", right_on="account_id", how="left")
        .with_columns(balance_e4=pl.col("balance_e4") - pl.col("reduction").fill_null(0))
        .with_columns(
            balance_as_of=pl.when(pl.col("balance_as_of_given").is_not_null())
            .then(pl.col("balance_as_of_given"))
            .when(pl.col("balance_e4") == pl.col("balance_e4_old"))
            .then(pl.col("balance_as_of_old"))
            .otherwise(pl.col("balance_as_of"))
        )
        .drop("reduction")
    )


def _payments_of(account_pks: pl.Series, creditor: Creditor) -> pl.DataFrame:
    """``account_id, paid_on, amount`` (ten-thousandths) of these accounts' payments."""
    keys = _any_of(account_pks, "bigint")
    payments = read_frame(
        f"SELECT p.account_id, p.paid_at, {_money_sql('p.amount')} "
        f"FROM {Payment._meta.db_table} p WHERE p.account_id {keys.match}",
        [keys.values],
        {"account_id": pl.Int64, "paid_at": pl.Datetime("us", "UTC"), "amount": pl.Int64},
    )
    return payments.select(
        "account_id",
        pl.col("paid_at").dt.convert_time_zone(creditor.timezone).dt.date().alias("paid_on"),
        "amount",
    )


def _account_db_columns(writer: Writer) -> list[pl.Expr | str]:
    return [
        pl.col("customer_pk").alias("customer_id"),
        "product_type",
        "currency",
        _decimal_text(pl.col("original_amount_e4")).alias("original_amount"),
        "opened_at",
        _decimal_text(pl.col("balance_e4")).alias("balance"),
        "balance_as_of",
        "status",
        pl.lit(writer.now, dtype=pl.Datetime("us", "UTC")).alias("updated_at"),
    ]


def _insert_accounts(new: pl.DataFrame, writer: Writer) -> None:
    if not new.height:
        return
    frame = new.select(_account_db_columns(writer))
    _insert_rows(
        Account,
        frame.with_columns(
            pl.lit(writer.creditor.pk).alias("creditor_id"),
            new["account_id"].alias("external_id"),
        ),
        writer.now,
    )


def _account_change_events(changed: pl.DataFrame, writer: Writer) -> list[pl.DataFrame]:
    balance_moved = changed.filter(pl.col("balance_e4") != pl.col("balance_e4_old"))
    other_fields = [name for name in ACCOUNT_VALUE_COLUMNS if name != "balance_e4"]
    others_moved = changed.filter(_changed(changed, [*other_fields, "customer_pk"]))
    return [
        _events(
            balance_moved.select(
                pl.col("account_pk").alias("account_id"),
                _display_money(pl.col("balance_e4_old"), pl.col("minor_unit")).alias("from_value"),
                _display_money(pl.col("balance_e4"), pl.col("minor_unit")).alias("to_value"),
                pl.struct(pl.col("balance_as_of").cast(pl.String))
                .struct.json_encode()
                .alias("data"),
            ),
            EventKind.BALANCE_CHANGED,
            writer,
        ),
        _events(
            others_moved.select(pl.col("account_pk").alias("account_id")).with_columns(
                pl.Series("data", _changed_fields_json(others_moved, other_fields), pl.String)
            ),
            EventKind.UPDATED,
            writer,
        ),
    ]


def _changed_fields_json(frame: pl.DataFrame, columns: list[str]) -> list[str]:
    """``{"fields": {"status": ["active", "legal"]}}`` per row, listing the columns that changed."""
    documents = []
    for row in frame.select(
        *[pl.col(name).cast(pl.String) for name in columns],
        *[pl.col(f"{name}_old").cast(pl.String) for name in columns],
    ).iter_rows(named=True):
        fields = {
            name.removesuffix("_e4"): [row[f"{name}_old"], row[name]]
            for name in columns
            if row[name] != row[f"{name}_old"]
        }
        documents.append(json.dumps({"fields": fields}))
    return documents


# ---------------------------------------------------------------------------- instalments


def write_instalments(rows: pl.DataFrame, writer: Writer, counts: Counts) -> list[pl.DataFrame]:
    """Upsert instalments, re-allocate payments of the accounts touched; return the events."""
    incoming = rows.unique(["account_id", "instalment_number"], keep="first").select(
        "account_id",
        pl.col("instalment_number").alias("number"),
        "due_date",
        _e4(pl.col("amount_due_minor")).alias("amount_due_e4"),
        "minor_unit",
    )
    accounts = _stored_accounts(incoming["account_id"], writer.creditor).select(
        "account_id",
        "account_pk",
        # The instalments of an account created by this import are part of its creation.
        (pl.col("created_at") != writer.now).alias("existed_before"),
    )
    incoming = incoming.join(accounts, on="account_id")
    keys = _any_of(incoming["account_pk"], "bigint")
    stored = read_frame(
        f"SELECT i.id, i.account_id, i.number, i.due_date, {_money_sql('i.amount_due')}, "
        "CASE WHEN i.plan_id IS NULL AND i.superseded_by_id IS NULL THEN 0 ELSE 1 END "
        f"FROM {Instalment._meta.db_table} i WHERE i.account_id {keys.match}",
        [keys.values],
        {
            "instalment_pk": pl.Int64,
            "account_pk": pl.Int64,
            "number": pl.Int64,
            "due_date_old": pl.Date,
            "amount_due_e4_old": pl.Int64,
            "in_plan": pl.Int64,
        },
    )
    joined = incoming.join(stored, on=["account_pk", "number"], how="left")
    new = joined.filter(pl.col("instalment_pk").is_null())
    # A payment plan replaced these (or they are the plan's own): the agreement with the
    # customer stands over the creditor's old schedule, so the file does not touch them.
    in_plan = joined.filter(pl.col("in_plan") == 1)
    existing = joined.filter(pl.col("instalment_pk").is_not_null() & (pl.col("in_plan") == 0))
    changed = existing.filter(_changed(existing, ["due_date", "amount_due_e4"]))
    _insert_rows(
        Instalment,
        new.select(
            pl.col("account_pk").alias("account_id"),
            "number",
            "due_date",
            _decimal_text(pl.col("amount_due_e4")).alias("amount_due"),
        ),
        writer.now,
    )
    if changed.height:
        update_from_frame(
            Instalment._meta.db_table,
            changed.select(
                pl.col("instalment_pk").alias("id"),
                "due_date",
                _decimal_text(pl.col("amount_due_e4")).alias("amount_due"),
            ),
        )
    counts.add(
        "instalments",
        created=new.height,
        updated=changed.height,
        unchanged=existing.height - changed.height,
        skipped=in_plan.height,
    )
    new_on_existing = new.filter(pl.col("existed_before"))
    events = [
        _events(
            new_on_existing.select(
                pl.col("account_pk").alias("account_id"),
                pl.col("number").cast(pl.String).alias("to_value"),
                _instalment_json().alias("data"),
            ),
            EventKind.INSTALMENT_ADDED,
            writer,
        ),
        _events(
            changed.select(
                pl.col("account_pk").alias("account_id"),
                pl.col("number").cast(pl.String).alias("to_value"),
                _instalment_json().alias("data"),
            ),
            EventKind.INSTALMENT_CHANGED,
            writer,
        ),
    ]
    reallocate(pl.concat([new_on_existing["account_pk"], changed["account_pk"]]).unique())
    return events


def _instalment_json() -> pl.Expr:
    return pl.struct(
        pl.col("number"),
        pl.col("due_date").cast(pl.String),
        _display_money(pl.col("amount_due_e4"), pl.col("minor_unit")).alias("amount_due"),
    ).struct.json_encode()


# ------------------------------------------------------------------------------- payments


def write_payments(rows: pl.DataFrame, writer: Writer, counts: Counts) -> pl.DataFrame:
    """Record the payments whose reference is new; return them with their ``payment_pk``.

    Payments made after an account's ``balance_as_of`` reduce its balance; every affected
    account's instalments are re-allocated, oldest first, over all its payments.
    """
    incoming = rows.unique("payment_reference", keep="first", maintain_order=True)
    stored = _stored_payment_references(incoming["payment_reference"], writer.creditor)
    new = incoming.join(stored, on="payment_reference", how="anti")
    accounts = _stored_accounts(new["account_id"], writer.creditor)
    new = new.join(
        accounts.select("account_id", "account_pk", "balance_as_of_old"), on="account_id"
    )
    _insert_rows(
        Payment,
        new.select(
            pl.lit(writer.creditor.pk).alias("creditor_id"),
            pl.col("account_pk").alias("account_id"),
            _decimal_text(_e4(pl.col("amount_minor"))).alias("amount"),
            "paid_at",
            pl.col("method").fill_null("other")
            if "method" in new.columns
            else pl.lit("other").alias("method"),
            pl.col("channel").fill_null("")
            if "channel" in new.columns
            else pl.lit("").alias("channel"),
            pl.col("payment_reference").alias("external_reference"),
        ),
        writer.now,
    )
    counts.add("payments", created=new.height, unchanged=incoming.height - new.height)
    recorded = new.join(
        _stored_payment_references(new["payment_reference"], writer.creditor),
        on="payment_reference",
    )
    _reduce_balances(recorded, writer)
    reallocate(recorded["account_pk"].unique())
    write_events(
        [
            _events(
                recorded.select(
                    pl.col("account_pk").alias("account_id"),
                    _display_money(_e4(pl.col("amount_minor")), pl.col("minor_unit")).alias(
                        "to_value"
                    ),
                    pl.struct(
                        pl.col("payment_reference").alias("reference"),
                        pl.col("payment_pk").alias("payment_id"),
                        pl.col("paid_at").dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
                    )
                    .struct.json_encode()
                    .alias("data"),
                ),
                EventKind.PAYMENT_RECORDED,
                writer,
            )
        ]
    )
    return recorded


def _stored_payment_references(references: pl.Series, creditor: Creditor) -> pl.DataFrame:
    keys = _any_of(references)
    return read_frame(
        f"SELECT p.external_reference, p.id FROM {Payment._meta.db_table} p "
        f"WHERE p.creditor_id = %s AND p.external_reference {keys.match}",
        [creditor.pk, keys.values],
        {"payment_reference": pl.String, "payment_pk": pl.Int64},
    )


def _reduce_balances(recorded: pl.DataFrame, writer: Writer) -> None:
    if not recorded.height:
        return
    payments = recorded.select(
        pl.col("account_pk").alias("account_id"),
        pl.col("paid_at").dt.convert_time_zone(writer.creditor.timezone).dt.date().alias("paid_on"),
        _e4(pl.col("amount_minor")).alias("amount"),
    )
    accounts = recorded.select(
        pl.col("account_pk").alias("account_id"),
        pl.col("balance_as_of_old").alias("balance_as_of"),
    ).unique("account_id")
    reductions = balance_reductions(payments, accounts)
    if not reductions.height:
        return
    keys = _any_of(reductions["account_id"], "bigint")
    balances = read_frame(
        f"SELECT a.id, {_money_sql('a.balance')} FROM {Account._meta.db_table} a "
        f"WHERE a.id {keys.match}",
        [keys.values],
        {"account_id": pl.Int64, "balance_e4": pl.Int64},
    )
    update_from_frame(
        Account._meta.db_table,
        balances.join(reductions, on="account_id").select(
            pl.col("account_id").alias("id"),
            _decimal_text(pl.col("balance_e4") - pl.col("reduction")).alias("balance"),
            pl.lit(writer.now, dtype=pl.Datetime("us", "UTC")).alias("updated_at"),
        ),
    )


def reallocate(account_pks: pl.Series) -> int:
    """Recompute ``Instalment.amount_paid`` of these accounts over all their payments (the
    creditor's instalments first, then payment plans': ``allocation.allocate_oldest_first``)."""
    if not account_pks.len():
        return 0
    keys = _any_of(account_pks, "bigint")
    instalments = read_frame(
        f"SELECT i.id, i.account_id, i.number, i.due_date, {_money_sql('i.amount_due')}, "
        f"{_money_sql('i.amount_paid')}, i.plan_id, {_money_sql('COALESCE(p.paid_before, 0)')} "
        f"FROM {Instalment._meta.db_table} i LEFT JOIN {Plan._meta.db_table} p "
        f"ON p.id = i.plan_id WHERE i.account_id {keys.match}",
        [keys.values],
        {
            "id": pl.Int64,
            "account_id": pl.Int64,
            "number": pl.Int64,
            "due_date": pl.Date,
            "amount_due_minor": pl.Int64,
            "amount_paid_old": pl.Int64,
            "plan_id": pl.Int64,
            "plan_paid_before_minor": pl.Int64,
        },
    )
    paid_totals = read_frame(
        f"SELECT p.account_id, SUM({_money_sql('p.amount')}) FROM {Payment._meta.db_table} p "
        f"WHERE p.account_id {keys.match} GROUP BY p.account_id",
        [keys.values],
        {"account_id": pl.Int64, "paid_minor": pl.Int64},
    )
    allocated = allocate_oldest_first(instalments, paid_totals)
    changed = allocated.filter(pl.col("amount_paid_minor") != pl.col("amount_paid_old"))
    return update_from_frame(
        Instalment._meta.db_table,
        changed.select("id", _decimal_text(pl.col("amount_paid_minor")).alias("amount_paid")),
    )


# ---------------------------------------------------------------------------- entry points


def stored_by_external_id(
    table: str,
    ids: pl.Series,
    creditor: Creditor,
    columns: dict[str, pl.DataType | type[pl.DataType]],
) -> pl.DataFrame:
    """Rows of ``table`` with these external ids; ``columns`` names the id first, then columns."""
    _id_name, *others = columns
    selects = "".join(f", t.{connection.ops.quote_name(name)}" for name in others)
    keys = _any_of(ids)
    return read_frame(
        f"SELECT t.external_id{selects} FROM {table} t "
        f"WHERE t.creditor_id = %s AND t.external_id {keys.match}",
        [creditor.pk, keys.values],
        columns,
    )


def write_accounts_chunk(
    rows: pl.DataFrame, groups: frozenset[str], writer: Writer, counts: Counts
) -> None:
    """Write a validated chunk of an accounts file: customers, contact points, accounts, instalments."""
    events: list[pl.DataFrame] = []
    if schema.CUSTOMER in groups:
        customers = write_customers(rows, writer, counts)
    else:
        customers = (
            _stored_customers(rows["customer_id"], writer.creditor, []).with_columns(
                pl.lit(False).alias("is_new")
            )
            if "customer_id" in rows.columns
            else pl.DataFrame()
        )
    if schema.CONTACT in groups or schema.CONTACT_FILE in groups:
        events += write_contact_points(contact_points_of(rows, groups), customers, writer, counts)
    if schema.ACCOUNT in groups:
        events += write_accounts(rows, customers, writer, counts)
    if schema.INSTALMENT in groups:
        events += write_instalments(rows, writer, counts)
    write_events(events)
