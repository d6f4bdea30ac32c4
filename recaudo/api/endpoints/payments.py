"""Payments, written once per ``Idempotency-Key`` and once per payment reference."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema

from recaudo.api.auth import api_key_of
from recaudo.api.idempotency import IdempotencyKeyReused, StoredResponse, run_once
from recaudo.api.schemas import NUL_FREE, ErrorsOut, ImportResultOut, PaymentBatch, RowErrorOut
from recaudo.api.tables import import_result, row_errors, table_source
from recaudo.portfolio.importing import import_payments

router = Router(tags=["payments"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def _record(request: HttpRequest, payload: PaymentBatch) -> StoredResponse:
    api_key = api_key_of(request)
    report = import_payments(
        table_source(payload.items),
        creditor=api_key.creditor,
        actor="api",
        actor_name=api_key.name,
    )
    if report.errors:
        return StoredResponse(422, ErrorsOut(errors=row_errors(report)).dict())
    return StoredResponse(200, import_result(report).dict())


def _key_reused(key: str) -> ErrorsOut:
    message = _(
        "This Idempotency-Key was already used for a different request; "
        "send a new key with each new request."
    )
    return ErrorsOut(
        errors=[RowErrorOut(row=None, field=IDEMPOTENCY_HEADER, value=key, message=message)]
    )


@router.post(
    "/payments",
    response={200: ImportResultOut, 422: ErrorsOut},
    summary="Record payments (pagos)",
    description=(
        "One payment or up to 1,000. Requires an Idempotency-Key header: a retry with the same "
        "key and body answers the first answer again without writing; the same key with another "
        "body is rejected (422). A payment reference already recorded is never counted twice."
    ),
)
def record_payments(
    request: HttpRequest,
    response: HttpResponse,
    payload: PaymentBatch,
    idempotency_key: str = Header(
        ...,
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        pattern=NUL_FREE,
        description="A unique value per request, e.g. a UUID; reuse it only to retry.",
    ),
) -> tuple[int, Schema | dict[str, object]]:
    api_key = api_key_of(request)
    try:
        answer = run_once(
            api_key.creditor,
            key=idempotency_key,
            endpoint="payments",
            body=payload.dict(),
            write=lambda: _record(request, payload),
        )
    except IdempotencyKeyReused:
        return 422, _key_reused(idempotency_key)
    if answer.replayed:
        response[REPLAYED_HEADER] = "true"
    return answer.status, answer.body
