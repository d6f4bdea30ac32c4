import pytest
from django.utils import translation

from recaudo.customers.documents import InvalidDocument, normalise_document
from recaudo.lib.phones import InvalidPhoneNumber, normalise_phone


@pytest.mark.parametrize(
    ("country", "kind", "number", "compact"),
    [
        ("CO", "CC", "1.020.304.050", "1020304050"),
        ("CO", "NIT", "900.123.456-8", "9001234568"),
        ("MX", "CURP", "BOXW310820HNERXN09", "BOXW310820HNERXN09"),
        ("MX", "RFC", "GODE561231GR8", "GODE561231GR8"),
        ("CL", "RUT", "12.345.678-5", "123456785"),
        ("PE", "DNI", "10117410", "10117410"),
        ("AR", "DNI", "20.123.456", "20123456"),
        ("BR", "CPF", "390.533.447-05", "39053344705"),
        ("ES", "DNI", "54362315K", "54362315K"),
        ("CO", "pasaporte", "ab 123456", "AB123456"),
    ],
)
def test_valid_documents_are_stored_compact(
    country: str, kind: str, number: str, compact: str
) -> None:
    assert normalise_document(country, kind, number)[1] == compact


@pytest.mark.parametrize(
    ("country", "kind", "number", "reason"),
    [
        ("CL", "RUT", "12.345.678-9", "el dígito de verificación no coincide"),
        ("CO", "NIT", "900.123.456-1", "el dígito de verificación no coincide"),
        ("BR", "CPF", "390.533.447", "no tiene la cantidad de dígitos correcta"),
        ("CO", "CC", "12AB", "no es un número de Cédula de ciudadanía válido"),
        (
            "CO",
            "RUT",
            "123",
            "tipo de documento RUT desconocido para CO; use uno de: CC, CE, NIT, PASSPORT",
        ),
    ],
)
def test_invalid_documents_say_why_in_spanish(
    country: str, kind: str, number: str, reason: str
) -> None:
    with translation.override("es"), pytest.raises(InvalidDocument) as error:
        normalise_document(country, kind, number)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("300 123 4567", "CO", "+573001234567"),
        ("+52 55 1234 5678", "CO", "+525512345678"),
        ("55 1234 5678", "MX", "+525512345678"),
        ("9 6123 4567", "CL", "+56961234567"),
    ],
)
def test_phones_are_normalised_to_e164(raw: str, country: str, e164: str) -> None:
    assert normalise_phone(raw, country) == e164


@pytest.mark.parametrize("raw", ["123", "hola", "300 123"])
def test_invalid_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(raw, "CO")
