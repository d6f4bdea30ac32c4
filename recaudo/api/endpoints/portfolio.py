"""Upserts of customers, contact points, accounts and instalments, through the file import."""

from collections.abc import Sequence

from django.http import HttpRequest
from ninja import Router, Schema

from recaudo.api.auth import api_key_of
from recaudo.api.schemas import (
    AccountBatch,
    ContactPointBatch,
    CustomerBatch,
    ErrorsOut,
    ImportResultOut,
    InstalmentBatch,
)
from recaudo.api.tables import import_result, row_errors, table_source
from recaudo.portfolio.importing import import_accounts

router = Router(tags=["portfolio"])

_RESPONSES = {200: ImportResultOut, 422: ErrorsOut}
_ALL_OR_NOTHING = (
    "Every item is validated first; if any is invalid nothing is written and the answer is 422 "
    "with each problem's item (1-based), field, value and message, the same as the file import's."
)


def _upsert(
    request: HttpRequest, items: Sequence[Schema]
) -> tuple[int, ImportResultOut | ErrorsOut]:
    api_key = api_key_of(request)
    report = import_accounts(
        [table_source(items)],
        creditor=api_key.creditor,
        actor="api",
        actor_name=api_key.name,
    )
    if report.errors:
        return 422, ErrorsOut(errors=row_errors(report))
    return 200, import_result(report)


@router.post(
    "/customers:batch",
    response=_RESPONSES,
    summary="Upsert customers (clientes)",
    description=_ALL_OR_NOTHING,
)
def upsert_customers(request: HttpRequest, payload: CustomerBatch) -> tuple[int, Schema]:
    return _upsert(request, payload.items)


@router.post(
    "/contact-points:batch",
    response=_RESPONSES,
    summary="Add contact points (medios de contacto)",
    description=_ALL_OR_NOTHING,
)
def upsert_contact_points(request: HttpRequest, payload: ContactPointBatch) -> tuple[int, Schema]:
    return _upsert(request, payload.items)


@router.post(
    "/accounts:batch",
    response=_RESPONSES,
    summary="Upsert accounts (cuentas)",
    description=_ALL_OR_NOTHING
    + " Each item carries the account and its holder (the customer fields), as a row of the "
    "accounts file does; the customer is upserted too.",
)
def upsert_accounts(request: HttpRequest, payload: AccountBatch) -> tuple[int, Schema]:
    return _upsert(request, payload.items)


@router.post(
    "/instalments:batch",
    response=_RESPONSES,
    summary="Upsert instalments (cuotas)",
    description=_ALL_OR_NOTHING + " The accounts must exist (send them first).",
)
def upsert_instalments(request: HttpRequest, payload: InstalmentBatch) -> tuple[int, Schema]:
    return _upsert(request, payload.items)
