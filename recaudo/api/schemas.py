"""Request and response bodies of the API.

Rows sent for upsert use the canonical column names of the file import (docs/import-format.md)
and carry their values as text, as a file would: the import validates them and answers with the
same row-and-field messages. Money is always a decimal string (``"1234.56"``), never a float.
"""

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StringConstraints

MAX_BATCH = 1000

# Text without the NUL character, which no database text column can hold.
NUL_FREE = r"^[^\x00]*$"
# A cell of an import file: text, or an integer where the column holds a number or an amount.
Text = Annotated[str, StringConstraints(pattern=NUL_FREE)]
Number = Text | int
Flag = Text | bool


def _field(description: str, *, required: bool = False, example: Any = None) -> Any:
    examples = None if example is None else [example]
    return Field(... if required else None, description=description, examples=examples)


class CustomerIn(Schema):
    customer_id: Text = _field(
        "Customer's external id (id_cliente).", required=True, example="C-1001"
    )
    customer_kind: Text | None = _field("person or company (tipo_persona).", example="person")
    first_name: Text | None = _field("First names (nombres).", example="María")
    last_name: Text = _field(
        "Family names, or the company name (apellidos).", required=True, example="Gómez"
    )
    document_type: Text = _field(
        "Identity document type for the country (tipo_documento): CC, NIT, CURP, RFC, RUT ...",
        required=True,
        example="CC",
    )
    document_number: Text = _field(
        "Document number; the check digit is validated (numero_documento).",
        required=True,
        example="1020304050",
    )
    birth_date: Text | None = _field("YYYY-MM-DD (fecha_nacimiento).", example="1985-04-12")
    country: Text | None = _field("ISO 3166 alpha-2; default: the creditor's (pais).")
    region: Text | None = _field(
        "ISO 3166-2 subdivision after the country, e.g. SP, MA (departamento_estado)."
    )
    timezone: Text | None = _field("IANA timezone; default: the creditor's (zona_horaria).")
    language: Text | None = _field("Language for messages; default es (idioma).")
    customer_since: Text | None = _field("YYYY-MM-DD (cliente_desde).")
    customer_type: Text | None = _field(
        "retail, sme, corporate, vip, employee or other (tipo_cliente)."
    )
    vulnerable: Flag | None = _field("Needs special care (vulnerable): true/false, si/no.")
    phone: Text | None = _field("Phone, normalised to E.164 (telefono).", example="3001234567")
    phone_2: Text | None = _field("Second phone (telefono_2).")
    email: Text | None = _field("E-mail address (correo).")
    address: Text | None = _field("Postal address (direccion).")
    preferred_channel: Text | None = _field(
        "sms, whatsapp, rcs, voice, email, push or letter (canal_preferido)."
    )
    preferred_hours: Text | None = _field("HH:MM-HH:MM (horario_preferido).", example="08:00-12:00")


class ContactPointIn(Schema):
    customer_id: Text = _field("Customer's external id (id_cliente).", required=True)
    medium: Text = _field("phone, email or address (medio).", required=True, example="phone")
    value: Text = _field("The phone number, e-mail or address (valor).", required=True)
    role: Text | None = _field(
        "debtor, co_debtor, guarantor or reference (rol); references are never contacted."
    )
    name: Text | None = _field("Who answers there, when not the customer (nombre).")
    verified: Flag | None = _field("Whether the creditor verified it (verificado).")
    authorised_channels: list[Text] | None = _field(
        'Channels the customer authorised here for collections, e.g. ["whatsapp", "sms"] '
        "(canales_autorizados); recorded as consents where none is on record yet."
    )


class AccountIn(CustomerIn):
    """An account with its holder, as a row of the import's accounts file."""

    account_id: Text = _field("Account's external id (id_cuenta).", required=True, example="A-1")
    product_type: Text = _field(
        "credit_card, personal_loan, microcredit, auto_loan, mortgage, utility, telecom, bnpl "
        "or other (producto).",
        required=True,
        example="personal_loan",
    )
    currency: Text | None = _field("ISO 4217; default: the creditor's (moneda).", example="COP")
    original_amount: Number = _field(
        "Decimal string (monto_original).", required=True, example="1500000.00"
    )
    opened_at: Text | None = _field("YYYY-MM-DD (fecha_apertura).")
    balance: Number = _field(
        "Outstanding balance as of balance_as_of, decimal string (saldo).",
        required=True,
        example="1250000.00",
    )
    balance_as_of: Text | None = _field("YYYY-MM-DD; default: today (fecha_saldo).")
    status: Text | None = _field(
        "active, dispute, legal, paid, written_off or closed (estado); default active."
    )


class InstalmentIn(Schema):
    account_id: Text = _field("Account's external id (id_cuenta).", required=True)
    instalment_number: Number = _field(
        "Instalment number (numero_cuota).", required=True, example=1
    )
    due_date: Text = _field("YYYY-MM-DD (fecha_vencimiento).", required=True, example="2026-02-15")
    amount_due: Number = _field("Decimal string (valor_cuota).", required=True, example="125000.00")


class PaymentIn(Schema):
    payment_reference: Text = _field(
        "Unique per creditor; a repeated reference is never counted twice (referencia_pago).",
        required=True,
        example="PSE-778812",
    )
    account_id: Text = _field("Account's external id (id_cuenta).", required=True, example="A-1")
    amount: Number = _field("More than zero, decimal string (valor_pago).", required=True)
    paid_at: Text = _field(
        "Date or date-time; a date alone is noon in the creditor's timezone (fecha_pago).",
        required=True,
        example="2026-02-14T10:30:00-05:00",
    )
    method: Text | None = _field(
        "cash, bank_transfer, card, direct_debit, payment_link, wallet or other (medio_pago)."
    )
    channel: Text | None = _field("Free text: branch, app, PSE, OXXO ... (canal).")


def _items(description: str) -> Any:
    return Field(..., min_length=1, max_length=MAX_BATCH, description=description)


class CustomerBatch(Schema):
    items: list[CustomerIn] = _items("1 to 1,000 customers, upserted by customer_id.")


class ContactPointBatch(Schema):
    items: list[ContactPointIn] = _items("1 to 1,000 contact points.")


class AccountBatch(Schema):
    items: list[AccountIn] = _items(
        "1 to 1,000 accounts with their holders, upserted by account_id and customer_id."
    )


class InstalmentBatch(Schema):
    items: list[InstalmentIn] = _items("1 to 1,000 instalments, upserted by account and number.")


class PaymentBatch(Schema):
    items: list[PaymentIn] = _items("1 to 1,000 payments.")


class RowErrorOut(Schema):
    row: int | None = Field(
        description="1-based position of the item in the request's items; null for the request."
    )
    field: str = Field(description="The item's field, or the header or parameter at fault.")
    value: str | None = Field(description="The value received, as text.")
    message: str = Field(description="Why it was rejected, in the request's language.")


class ErrorsOut(Schema):
    errors: list[RowErrorOut]


class DetailOut(Schema):
    detail: str


class ImportResultOut(Schema):
    rows_read: int = Field(description="Items received.")
    rows_valid: int = Field(description="Items that passed validation (all of them, on success).")
    created: dict[str, int] = Field(
        description="Rows created, by kind (customers, contact_points, accounts, instalments, "
        "payments ...), as the file import counts them."
    )
    updated: dict[str, int] = Field(description="Rows changed, by kind.")
    unchanged: dict[str, int] = Field(
        description="Rows already as sent, by kind (a repeated payment reference counts here)."
    )


class InstalmentOut(Schema):
    number: int
    due_date: dt.date
    amount_due: str = Field(description="Decimal string in the account's currency.")
    amount_paid: str = Field(description="Payments allocated to it, oldest instalment first.")


class PaymentOut(Schema):
    payment_reference: str
    amount: str = Field(description="Decimal string in the account's currency.")
    paid_at: dt.datetime
    method: str
    channel: str


class AccountOut(Schema):
    account_id: str
    customer_id: str
    product_type: str
    currency: str
    original_amount: str
    balance: str = Field(description="Decimal string in the account's currency.")
    balance_as_of: dt.date
    status: str
    days_past_due: int
    overdue_amount: str
    next_due_date: dt.date | None
    bucket: str
    stage: str
    segment: str
    score: float | None = Field(description="Baseline propensity to pay, 0 to 1.")
    computed_as_of: dt.date | None = Field(
        description="Date the days past due, bucket, stage, segment and score refer to."
    )
    instalments: list[InstalmentOut]
    payments: list[PaymentOut]


class AccountEventOut(Schema):
    kind: str
    at: dt.datetime
    as_of: dt.date | None
    actor: str
    actor_name: str
    from_value: str
    to_value: str
    data: dict[str, Any]
