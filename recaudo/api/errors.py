"""The API's error answers: ``{"errors": [{row, field, value, message}]}`` for bad input."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from recaudo.api.schemas import ErrorsOut, RowErrorOut

# Where an item's field sits in a request error's location: ("body", "payload", "items", 3, "amount").
_ITEMS = "items"


def _message(error: dict[str, Any], row: int | None) -> str:
    if error.get("type") == "missing":
        return _("This field is required.")
    if error.get("type") in {"too_short", "too_long"} and error["loc"][-1] == _ITEMS:
        return _("Send from 1 to 1,000 items.")
    if error.get("type") == "string_pattern_mismatch":
        return _("The text contains a character that is not allowed (NUL).")
    if row is not None:
        return _(
            "Wrong type: send the value as text, and amounts as a decimal string such as "
            '"1234.56", never as a floating-point number.'
        )
    return _("Invalid value: %(reason)s") % {"reason": error.get("msg", "")}


def _value(error: dict[str, Any]) -> str | None:
    value = error.get("input")
    if error.get("type") == "missing" or isinstance(value, dict | list):
        return None
    return None if value is None else str(value)


def _row_and_field(location: list[Any]) -> tuple[int | None, str]:
    """The item (1-based) and its field; a union's member names after the field are left out."""
    if _ITEMS in location:
        rest = location[location.index(_ITEMS) + 1 :]
        if len(rest) > 1 and isinstance(rest[0], int):
            return rest[0] + 1, str(rest[1])
        if not rest:
            return None, _ITEMS
    named = [str(part) for part in location if part not in {"body", "payload", "header", "path"}]
    return None, ".".join(named) or "body"


def request_errors(exc: ValidationError) -> ErrorsOut:
    """One error per item and field, in the order found."""
    errors: dict[tuple[int | None, str], RowErrorOut] = {}
    for error in exc.errors:
        row, field = _row_and_field(list(error.get("loc", [])))
        if (row, field) not in errors:
            errors[row, field] = RowErrorOut(
                row=row, field=field, value=_value(error), message=_message(error, row)
            )
    return ErrorsOut(errors=list(errors.values()))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, request_errors(exc).dict(), status=422)

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("A valid API key is required: send the header Authorization: Bearer <key>.")
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
