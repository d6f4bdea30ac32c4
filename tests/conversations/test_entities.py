"""Entities in customers' messages: table-driven, with ``today`` explicit (no clock)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.conversations.nlu import Entities, extract_entities
from recaudo.conversations.nlu.entities import entities_from_json, parse_number
from recaudo.debts.models import HardshipReason

TUESDAY = dt.date(2026, 12, 1)  # a Tuesday, first day of the month


def entities(text: str, today: dt.date = TUESDAY) -> Entities:
    return extract_entities(text, today=today)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mañana", "2026-12-02"),
        ("te pago manana", "2026-12-02"),
        ("pasado mañana", "2026-12-03"),
        ("hoy", "2026-12-01"),
        ("hoy mismo pago", "2026-12-01"),
        ("el viernes", "2026-12-04"),
        ("le pago el viernes", "2026-12-04"),
        ("pago el bierne", "2026-12-04"),
        ("el martes", "2026-12-08"),  # today is Tuesday: the next one
        ("el lunes de la otra semana", "2026-12-07"),
        ("el 15", "2026-12-15"),
        ("pago el 15", "2026-12-15"),
        ("el dia 20", "2026-12-20"),
        ("el 1", "2026-12-01"),
        ("el primero", "2026-12-01"),
        ("el 5 del mes que viene", "2027-01-05"),
        ("el 31", "2026-12-31"),
        ("a fin de mes", "2026-12-31"),
        ("pago a finales de mes", "2026-12-31"),
        ("a fin del mes que viene", "2027-01-31"),
        ("la próxima quincena", "2026-12-15"),
        ("en la quincena", "2026-12-15"),
        ("a principios de mes", "2027-01-01"),
        ("dentro de 8 días", "2026-12-09"),
        ("en 3 dias pago", "2026-12-04"),
        ("en dos semanas", "2026-12-15"),
        ("la próxima semana", "2026-12-07"),
        ("el 5 de diciembre", "2026-12-05"),
        ("el quince de enero", "2027-01-15"),
        ("el dos de enero", "2027-01-02"),
        ("15 de enero de 2027", "2027-01-15"),
        ("5/12", "2026-12-05"),
        ("15-12-2026", "2026-12-15"),
        ("10/01/27", "2027-01-10"),
        ("30/11", "2027-11-30"),  # promises look forward
        # Past tense looks back.
        ("pagué el viernes", "2026-11-27"),
        ("ya pague el 15", "2026-11-15"),
        ("pagué el 30/11", "2026-11-30"),
        ("pagué ayer", "2026-11-30"),
        ("pagué antier", "2026-11-29"),
        ("pague hace 3 dias", "2026-11-28"),
        ("esta mañana pagué", "2026-12-01"),
        ("el viernes pasado", "2026-11-27"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert entities(text).date == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("a fin de mes", dt.date(2026, 11, 30), "2026-11-30"),  # the last day: they mean today
        ("a fin de mes", dt.date(2027, 2, 28), "2027-02-28"),
        ("a fin del mes que viene", dt.date(2026, 11, 30), "2026-12-31"),
        ("a fin de mes", dt.date(2027, 2, 10), "2027-02-28"),
        ("la próxima quincena", dt.date(2026, 12, 15), "2026-12-31"),
        ("la quincena", dt.date(2026, 12, 31), "2027-01-15"),
        ("el 15", dt.date(2026, 12, 20), "2027-01-15"),
        ("el 31", dt.date(2027, 2, 5), "2027-02-28"),  # a day the month lacks: its last day
        ("el viernes", dt.date(2026, 12, 4), "2026-12-11"),  # on a Friday: the next one
        ("mañana", dt.date(2026, 12, 31), "2027-01-01"),
    ],
)
def test_dates_relative_to_other_days(text: str, today: dt.date, expected: str) -> None:
    assert entities(text, today).date == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text",
    [
        "pago en la mañana",
        "15",
        "quiero pagar",
        "el 15 mil",
        "hola",
        "31/02",
        "2 cuotas",
        "",
        # An impossible written date is consumed: not "el 30" of this month.
        "pago el 30 de febrero",
        "el 31 de noviembre",
        "el 31/02",
        "pago el 10%",
    ],
)
def test_no_date(text: str) -> None:
    assert entities(text).date is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 mil", "200000"),
        ("te pago 200 mil el viernes", "200000"),
        ("$1.500.000", "1500000"),
        ("$ 1.500.000", "1500000"),
        ("1.500.000", "1500000"),
        ("1,5 millones", "1500000"),
        ("1.5 millones", "1500000"),
        ("un millón", "1000000"),
        ("doscientos mil pesos", "200000"),
        ("un millon quinientos mil", "1500000"),
        ("treinta y cinco mil", "35000"),
        ("1 millón 500 mil", "1500000"),
        ("2 palos 300 lucas", "2300000"),
        ("2 millones y medio", "2500000"),
        ("mil pesos", "1000"),
        ("150k", "150000"),
        ("150 k", "150000"),
        ("2 palos", "2000000"),
        ("dos palos", "2000000"),
        ("un palo y medio", "1500000"),
        ("medio palo", "500000"),
        ("50 lucas", "50000"),
        ("una luca", "1000"),
        ("1.500.000,50", "1500000.50"),
        ("1,500.50", "1500.50"),  # Mexico
        ("1,500,000", "1500000"),
        ("$1,500", "1500"),
        ("500 pesos", "500"),
        ("S/ 150", "150"),
        ("s/.1500", "1500"),
        ("300 soles", "300"),
        ("pago 50000 el viernes", "50000"),
        ("abono 80000", "80000"),
        ("cuota de 80.000", "80000"),
        ("15 mil", "15000"),
        ("puedo pagar 1.200.000 el 15", "1200000"),
        ("pago un millón y medio", "1500000"),
        ("dos millones y medio", "2500000"),
        ("pago 250 000", "250000"),
        ("250 000 pesos", "250000"),
        ("$ 1 500 000", "1500000"),
        ("tengo 2 hijos y pago 150000", "150000"),
        ("referencia 123456789 pagué 100000", "100000"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    assert entities(text).amount == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "el 15",
        "pago el 15",
        "mil gracias",
        "15",
        "2000",
        "5/12",
        "15-12-2026",
        "hola",
        "en 2 cuotas",
        "pago 10%",
        "abono el 10 %",
        "pago 50 por ciento",
        # A plain number after a payment word is an amount only from 1000 up: a count of
        # things is not money.
        "tengo 2 hijos y pago el 10",
        "pago 3 cuotas",
        "mi nuevo número es 987 654 321",
    ],
)
def test_no_amount(text: str) -> None:
    assert entities(text).amount is None


def test_a_count_of_things_is_not_an_amount_and_the_date_still_is() -> None:
    found = entities("tengo 2 hijos y pago el 10")
    assert (found.amount, found.date) == (None, dt.date(2026, 12, 10))


def test_a_date_and_an_amount_in_one_message() -> None:
    found = entities("mil gracias, el viernes le pago 300 lucas")
    assert found.date == dt.date(2026, 12, 4)
    assert found.amount == Decimal(300000)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.500", "1500"),
        ("1,500", "1500"),
        ("1,5", "1.5"),
        ("1.5", "1.5"),
        ("1.500.000,50", "1500000.50"),
        ("1,500,000.50", "1500000.50"),
        ("150", "150"),
    ],
)
def test_number_separators(raw: str, expected: str) -> None:
    assert parse_number(raw) == Decimal(expected)


def test_an_unreadable_number_is_none() -> None:
    assert parse_number("1.50.0") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mi cedula es 1.020.304.050", "1020304050"),
        ("cc 1020304050", "1020304050"),
        ("1020304050", "1020304050"),
        ("DNI 30.123.456", "30123456"),
        ("mi dni es 30123456", "30123456"),
        ("RUT 12.345.678-5", "123456785"),
        ("12.345.678-k", "12345678K"),
        ("pasaporte AB123456", "AB123456"),
        ("AB1234567", "AB1234567"),
        ("mi documento: 1020-304-050", "1020304050"),
        ("documento 52.345.678", "52345678"),
    ],
)
def test_documents(text: str, expected: str) -> None:
    assert entities(text).document == expected


@pytest.mark.parametrize(
    "text",
    [
        "$1.500.000",
        "12345",
        "el 15",
        "pago 2 palos",
        "5/12/2026",
        # After a reference word the number is a reference, not a document.
        "referencia 123456789 pagué 100000",
        "ref: 998877665",
        "comprobante 12345678",
        "número de operación 4455667788",
    ],
)
def test_no_document(text: str) -> None:
    assert entities(text).document is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me quedé sin trabajo", HardshipReason.LOST_JOB),
        ("me quede sin chamba", HardshipReason.LOST_JOB),
        ("perdí mi empleo", HardshipReason.LOST_JOB),
        ("me despidieron", HardshipReason.LOST_JOB),
        ("estoy cesante", HardshipReason.LOST_JOB),
        ("estoy sin laburo", HardshipReason.LOST_JOB),
        ("estoy enfermo", HardshipReason.ILLNESS),
        ("estuve hospitalizada", HardshipReason.ILLNESS),
        ("tengo incapacidad médica", HardshipReason.ILLNESS),
        ("me redujeron el sueldo", HardshipReason.LOWER_INCOME),
        ("me bajaron las horas", HardshipReason.LOWER_INCOME),
        ("ahora gano menos", HardshipReason.LOWER_INCOME),
        ("las ventas están malas", HardshipReason.LOWER_INCOME),
        ("no me alcanza", HardshipReason.LOWER_INCOME),
        ("se me olvidó", HardshipReason.FORGOT),
        ("me olvidé de pagar", HardshipReason.FORGOT),
        ("se me pasó la fecha", HardshipReason.FORGOT),
        ("nunca me llegó la factura", HardshipReason.NO_BILL),
        ("no me llegó el recibo", HardshipReason.NO_BILL),
        ("no recibí ningún aviso", HardshipReason.NO_BILL),
        ("por otro motivo", HardshipReason.OTHER),
    ],
)
def test_reasons(text: str, expected: str) -> None:
    assert entities(text).reason == expected


@pytest.mark.parametrize("text", ["quiero pagar", "no puedo pagar", "hola", "ya pagué"])
def test_no_reason(text: str) -> None:
    assert entities(text).reason is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("si", "yes"),
        ("sí", "yes"),
        ("Sí, gracias", "yes"),
        ("siii", "yes"),
        ("sip", "yes"),
        ("dale", "yes"),
        ("ok", "yes"),
        ("claro", "yes"),
        ("claro que sí", "yes"),
        ("de una", "yes"),
        ("simón", "yes"),
        ("va", "yes"),
        ("órale", "yes"),
        ("correcto", "yes"),
        ("👍", "yes"),
        ("si, el viernes", "yes"),
        ("no", "no"),
        ("No.", "no"),
        ("nooo", "no"),
        ("nel", "no"),
        ("para nada", "no"),
        ("no gracias", "no"),
        ("negativo", "no"),
        ("no, el viernes", "no"),
        ("ni loco", "no"),
    ],
)
def test_yes_no(text: str, expected: str) -> None:
    assert entities(text).yes_no == expected


@pytest.mark.parametrize(
    "text",
    ["no puedo pagar", "no reconozco la deuda", "quiero pagar", "si pago el viernes me avisan"],
)
def test_not_a_yes_or_no_answer(text: str) -> None:
    assert entities(text).yes_no is None


def test_as_json_only_has_present_keys() -> None:
    found = entities("sí, le pago 200 mil el viernes")
    assert found.as_json() == {"date": "2026-12-04", "amount": "200000", "yes_no": "yes"}
    assert Entities().as_json() == {}
    assert Entities(amount=Decimal("1500.50")).as_json() == {"amount": "1500.50"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("referencia 123456789 pagué 100000", "123456789"),
        ("ref: 998877665", "998877665"),
        ("Ref. AB-12345", "AB12345"),
        ("el comprobante es 12345678", "12345678"),
        ("número de operación 4455667788", "4455667788"),
        ("nro de operacion: 00123456", "00123456"),
        ("transacción # 7788-9900", "77889900"),
        ("pagué ayer, código de aprobación 556677", "556677"),
    ],
)
def test_references(text: str, expected: str) -> None:
    assert entities(text).reference == expected


@pytest.mark.parametrize(
    "text",
    ["tengo el comprobante", "ya pagué 200 mil", "mi cédula es 1020304050", "referencia"],
)
def test_no_reference(text: str) -> None:
    assert entities(text).reference is None


def test_a_reference_is_not_an_illness() -> None:
    assert entities("número de operación 4455667788").reason is None
    assert entities("me hicieron una operación").reason == HardshipReason.ILLNESS


def test_json_round_trip() -> None:
    found = Entities(
        date=dt.date(2026, 12, 4),
        amount=Decimal("1500000.50"),
        document="1020304050",
        reason="illness",
        yes_no="yes",
        reference="AB12345",
    )
    assert entities_from_json(found.as_json()) == found


def test_extraction_is_pure() -> None:
    first = entities("pago 2 palos el viernes", dt.date(2027, 3, 3))
    second = entities("pago 2 palos el viernes", dt.date(2027, 3, 3))
    assert first == second
    assert first.date == dt.date(2027, 3, 5)


ALPHABET = "0123456789 .,/-$kKsSmilpaoeñáéíóú" + "abcdefghijklmnopqrstuvwxyz¿?¡!:👍"


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=60),
    today=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2098, 12, 31)),
)
def test_any_text_gives_entities_without_errors(text: str, today: dt.date) -> None:
    found = extract_entities(text, today=today)
    data = found.as_json()
    assert entities_from_json(data) == found
    if found.amount is not None:
        assert found.amount > 0
    if found.document is not None:
        assert found.document.isalnum()
    assert found.reason in (None, *HardshipReason.values)
    assert found.yes_no in (None, "yes", "no")
