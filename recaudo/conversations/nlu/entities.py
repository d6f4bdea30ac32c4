"""Entities in a customer's message: date, amount, document, payment reference, hardship
reason, yes or no.

Pure and deterministic: ``today`` is explicit, nothing reads the clock or the database. The
rules, in the order they run (each consumes the characters it used, so a number is a date, an
amount, a document or a reference, never two of them):

1. Number words become digits ("doscientos mil" -> "200000", "un millón y medio" ->
   "1500000", "el quince" -> "el 15") with text2num; "mil gracias" and friends are left
   alone. Digit groups separated by spaces ("250 000") become dotted groups ("250.000").
2. Percentages ("10%", "50 por ciento") are consumed: neither amounts nor dates.
3. Payment references: after "referencia", "ref", "comprobante", "operación", "transacción",
   "voucher", "folio", "código de aprobación"... ("ref: 998877665" -> "998877665").
4. Dates written out: "15-12-2026", "5/12", "5 de diciembre (de 2026)". An impossible one
   ("30 de febrero", "31/02") is consumed and gives no date.
5. Amounts: a currency sign or code before the number ("$1.500.000", "S/ 150"), or a unit or
   multiplier after it ("200 mil", "1,5 millones", "150k", "2 palos", "50 lucas", "500 pesos"),
   or thousands groups ("1.500.000", "1,500.50"), or a plain number of at least 1000 right
   after a payment verb ("pago 50000 el viernes"; "tengo 2 hijos" is a count, not money).
6. Documents: after a document word ("cédula", "DNI", "RUT", "pasaporte", ...), a Chilean RUT
   ("12.345.678-5"), letters then digits in capitals ("AB123456"), or a bare run of 6-12 digits.
7. Relative dates: hoy, mañana, pasado mañana, ayer, weekdays, "el 15", fin de mes, quincena,
   "la próxima semana", "dentro de 8 días" (dateparser with ``today`` as its relative base).

A bare number on its own ("15", "2000") is neither a date nor an amount: the same digits
answer "which day?", "how much?" and "the last four digits of your document", and only the
conversation knows which question was asked.

Past or future: a message in the past tense ("pagué el viernes", "el 15 pasado") resolves
weekdays and days of the month backwards (the last such day up to today); everything else
resolves forwards (the next such day).
"""

import calendar
import datetime as _datetime
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from text_to_num import text2num

from .text import fold


@dataclass(frozen=True)
class Entities:
    date: _datetime.date | None = None
    amount: Decimal | None = None
    document: str | None = None  # digits (and letters for passports), no separators
    reason: str | None = None  # a HardshipReason value
    yes_no: str | None = None  # "yes" | "no"
    reference: str | None = None  # a payment reference: letters and digits, upper case

    def as_json(self) -> dict[str, str]:
        """Only the keys that are present; the date as ISO, the amount as a decimal string."""
        data: dict[str, str] = {}
        if self.date is not None:
            data["date"] = self.date.isoformat()
        if self.amount is not None:
            data["amount"] = format(self.amount, "f")
        if self.document is not None:
            data["document"] = self.document
        if self.reason is not None:
            data["reason"] = self.reason
        if self.yes_no is not None:
            data["yes_no"] = self.yes_no
        if self.reference is not None:
            data["reference"] = self.reference
        return data


# --- shared vocabulary ---------------------------------------------------------------------

MONTHS = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
WEEKDAYS = {
    "lunes": 0,
    "lune": 0,
    "martes": 1,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "bierne": 4,
    "biernes": 4,
    "vierne": 4,
    "sabado": 5,
    "domingo": 6,
}
SMALL_NUMBERS = {
    "un": 1,
    "una": 1,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
}
_SMALL = "|".join(SMALL_NUMBERS)
_MONTH = "|".join(MONTHS)
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))

# Words after which "mil" is a figure of speech, not a thousand.
_IDIOMATIC_MIL = re.compile(r"\bmil (gracias|disculpas|perdones|perdon|veces|bendiciones)\b")

_PAST_TENSE = re.compile(
    r"\b(pague|pagamos|pago hace|deposite|transferi|consigne|abone|hice|realice|efectue|"
    r"yapee|cancele|salde|liquide|pasad[oa]|anterior|ayer|antier|anteayer|hace \d+)\b"
)

# --- numbers ---------------------------------------------------------------------------------

# A number as people write it: "1.500.000", "1,500,000.50", "1.500.000,50", "1,5", "150", "2.5".
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?$")


def parse_number(raw: str) -> Decimal | None:
    """ "1.500.000" -> 1500000, "1,500.50" -> 1500.50 (Mexico), "1.500.000,50" -> 1500000.50,
    "1,5" -> 1.5, "1.500" -> 1500, "1,500" -> 1500.

    The rule: when both "." and "," appear, the last one is the decimal separator; a single
    kind of separator followed by exactly three digits (once or more) is a thousands
    separator; followed by one or two digits it is the decimal separator."""
    if "." in raw and "," in raw:
        decimal_separator = "." if raw.rfind(".") > raw.rfind(",") else ","
        thousands = "," if decimal_separator == "." else "."
        cleaned = raw.replace(thousands, "").replace(decimal_separator, ".")
    elif "." in raw or "," in raw:
        separator = "." if "." in raw else ","
        parts = raw.split(separator)
        if all(len(part) == 3 for part in parts[1:]):
            cleaned = "".join(parts)
        elif len(parts) == 2 and 1 <= len(parts[1]) <= 2:
            cleaned = f"{parts[0]}.{parts[1]}"
        else:
            return None
    else:
        cleaned = raw
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


_MULTIPLIERS: list[tuple[str, Decimal]] = [
    (r"millones|millon|mill|palos|palo|melones|melon", Decimal(1_000_000)),
    (r"mil|lucas|luca|k|lukas|luka|barras|barra", Decimal(1_000)),
]
_CURRENCY_WORDS = (
    r"pesos|peso|soles|sol|dolares|dolar|usd|cop|clp|mxn|ars|pen|varos|varo|mangos|mango|"
    r"bolas|pe[s$]os|_amount"
)
_CURRENCY_BEFORE = r"(?:\$|s/\.?|us\$|cop|clp|mxn|ars|pen|usd)"
_PAYMENT_VERBS = (
    r"pago|pagar|pagare|pague|abono|abonar|abonare|abone|deposito|depositar|deposite|"
    r"transfiero|transferir|transferi|consigno|consignar|consigne|yapeo|yapee|doy|dar|"
    r"cuota de|cuotas de|monto de|total de|tengo|junte|mensuales de|de a"
)
_AMOUNT_MULTIPLIED = re.compile(
    rf"(?<![\w.,])(?P<number>{_NUMBER}|{_SMALL}|medio)\s*"
    rf"(?P<unit>{'|'.join(pattern for pattern, _ in _MULTIPLIERS)})\b"
    r"(?P<half>\s+y\s+medio)?"
    rf"(?:\s+(?:de\s+)?(?:{_CURRENCY_WORDS})\b)?"
)
_AMOUNT_COMPOUND = re.compile(
    r"(?<![\w.,])(?P<millions>\d{1,3})\s*(?:millones|millon|palos|palo)\s+(?:y\s+)?"
    r"(?P<thousands>\d{1,3})\s*(?:mil|lucas|luca|k)\b"
)
_AMOUNT_WITH_CURRENCY_BEFORE = re.compile(
    rf"(?<![\w]){_CURRENCY_BEFORE}\s?(?P<number>{_NUMBER})(?![\d])"
)
_AMOUNT_WITH_CURRENCY_AFTER = re.compile(
    rf"(?<![\w.,])(?P<number>{_NUMBER})\s*(?:{_CURRENCY_WORDS})\b"
)
_AMOUNT_GROUPED = re.compile(
    r"(?<![\w.,/-])(?P<number>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?)(?![\w.,/-])"
)
_AMOUNT_AFTER_VERB = re.compile(
    rf"\b(?:{_PAYMENT_VERBS})\s+(?:(?:como|unos|unas|solo|solamente|apenas|hasta)\s+)?"
    r"(?P<number>\d+(?:[.,]\d{1,2})?)(?![\w.,/-])(?!\s*(?:de|del)\s)"
)
# A plain number after a payment verb is money from this value up ("pago 50000"); under it
# it is more often a count ("tengo 2 hijos", "pago 3 cuotas") and needs a unit or a sign.
_PLAIN_AMOUNT_MINIMUM = Decimal(1000)
_PERCENTAGE = re.compile(rf"(?<![\w.,])(?:{_NUMBER})\s*(?:%|por\s*ciento|porciento)")
# "250 000", "1 500 000": thousands separated by spaces (not a phone number: see below).
_SPACED_GROUPS = re.compile(r"(?<![\d.,])(?<!\d )\d{1,3}(?: \d{3})+(?![\d.,]| \d)")
_PHONE_CONTEXT = re.compile(
    r"\b(?:numero|nro|celular|cel|telefono|tel|movil|whatsapp|wsp|wasap|fijo)\b[^\d]{0,25}$"
)
_UNIT_VALUES = [(re.compile(rf"^(?:{pattern})$"), value) for pattern, value in _MULTIPLIERS]


def _multiplier(unit: str) -> Decimal:
    for pattern, value in _UNIT_VALUES:
        if pattern.match(unit):
            return value
    return Decimal(1)


def _scalar(raw: str) -> Decimal | None:
    if raw in SMALL_NUMBERS:
        return Decimal(SMALL_NUMBERS[raw])
    if raw == "medio":
        return Decimal("0.5")
    return parse_number(raw)


def _normal(amount: Decimal) -> Decimal:
    """Integral amounts without a fraction part ("200000"), others with their cents."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()


# --- documents ------------------------------------------------------------------------------

_DOCUMENT_WORDS = (
    r"cedula|cc|c\.c\.?|ci|c\.i\.?|documento|doc|dni|rut|run|nit|ruc|curp|pasaporte|"
    r"identificacion|id|ine|carnet|cedula de ciudadania|cedula de identidad|numero de documento"
)
_DOCUMENT_AFTER_WORD = re.compile(
    rf"\b(?:{_DOCUMENT_WORDS})\b[\s:#.\-]*(?:(?:es|numero|nro|no|n)[\s:.#]*)*"
    r"(?P<document>[a-z]{0,3}\s?\d[\d.\-\s]{3,16}[\dk]|[a-z]{1,3}\d{5,10})(?![\w])"
)
_RUT = re.compile(r"(?<![\w.])(?P<document>\d{1,2}\.?\d{3}\.?\d{3}-[\dk])(?![\w])")
_PASSPORT = re.compile(r"(?<![\w])(?P<document>[A-Z]{1,3}\d{5,9})(?![\w])")
_BARE_DIGITS = re.compile(r"(?<![\w.,$/-])(?P<document>\d{6,12})(?![\w.,/-])")
_DASHED_DIGITS = re.compile(r"(?<![\w.,$/-])(?P<document>\d{2,5}(?:-\d{2,5}){1,3})(?![\w.,/])")


def _compact_document(raw: str) -> str | None:
    compact = re.sub(r"[\s.\-]", "", raw).upper()
    digits = sum(char.isdigit() for char in compact)
    if not 6 <= len(compact) <= 12 or digits < 5:
        return None
    if not re.fullmatch(r"[A-Z]{0,3}\d+[\dK]?", compact):
        return None
    return compact


class _Text:
    """The folded message with the spans already used blanked out."""

    def __init__(self, text: str) -> None:
        self.value = text

    def consume(self, match: re.Match[str]) -> None:
        start, end = match.span()
        self.value = self.value[:start] + " " * (end - start) + self.value[end:]


# --- payment references ---------------------------------------------------------------------

_REFERENCE_WORDS = (
    r"referencia|ref|comprobante|voucher|folio|operacion|transaccion|cus|aprobacion|"
    r"autorizacion|codigo\s+de\s+(?:aprobacion|autorizacion|pago|transaccion|operacion)"
)
_REFERENCE = re.compile(
    rf"\b(?:{_REFERENCE_WORDS})\b"
    r"(?:\s+(?:de\s+)?(?:pago|operacion|transaccion|transferencia|deposito))?"
    r"[\s:#.\-°º]*(?:(?:es|el|la|numero|nro|num|no|n)\b[\s:#.°º]*)*"
    r"(?P<reference>[a-z]{0,4}[\s\-]?\d[\d.\-]{3,24}\d|[a-z]{1,4}\d{4,24})(?![\w])"
)


def _find_reference(text: _Text) -> str | None:
    """ "referencia 123456789", "ref: AB-12345", "número de operación 4455667788": letters and
    digits, upper case, without separators; at least four digits."""
    for match in _REFERENCE.finditer(text.value):
        compact = re.sub(r"[\s.\-]", "", match["reference"]).upper()
        if sum(char.isdigit() for char in compact) >= 4:
            text.consume(match)
            return compact
    return None


def _consume_percentages(text: _Text) -> None:
    """ "10%", "50 por ciento": neither an amount nor a day of the month."""
    for match in _PERCENTAGE.finditer(text.value):
        text.consume(match)


# --- dates ----------------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(
    r"(?<![\w.,$/-])(?P<day>\d{1,2})[/-](?P<month>\d{1,2})(?:[/-](?P<year>\d{4}|\d{2}))?(?![\w/-])"
)
_WRITTEN_DATE = re.compile(
    rf"\b(?P<day>\d{{1,2}}|primero|{_SMALL})\s+de\s+(?P<month>{_MONTH})"
    r"(?:\s+(?:de|del)\s+(?P<year>\d{4}))?\b"
)
_DAY_OF_MONTH = re.compile(
    rf"\b(?:el|para el|hasta el|antes del|despues del|a partir del|dia|el dia)\s+"
    rf"(?P<day>\d{{1,2}}|primero|{_SMALL})\b"
    r"(?!\s*(?:mil|lucas?|palos?|millon|millones|k|pesos?|soles|dolares|%|por ciento|de la|"
    r"cuotas?|meses|mes\b|dias|semanas|anos|horas|am|pm|hrs|de la manana))"
    r"(?P<next>\s+del?\s+(?:mes\s+que\s+viene|proximo\s+mes|siguiente\s+mes|otro\s+mes))?"
    r"(?P<this>\s+de\s+este\s+mes)?"
    r"(?P<past>\s+(?:pasado|del\s+mes\s+pasado))?"
)
_WEEKDAY_RE = re.compile(
    rf"\b(?:(?P<next>proximo|siguiente)\s+)?(?P<weekday>{_WEEKDAY})\b"
    r"(?P<after>\s+(?:que\s+viene|proximo|de\s+la\s+otra\s+semana|de\s+la\s+proxima\s+semana|pasado))?"
)
_TOMORROW = re.compile(r"(?<!\bla )(?<!\besta )(?<!\bde )(?<!\bpor )\b(?:manana|mnn|mñn|mñana)\b")
_DAY_AFTER_TOMORROW = re.compile(r"\bpasado\s+(?:manana|mñn|mñana)\b")
_TODAY = re.compile(r"\b(?:hoy|hoy mismo|ahorita|ahora mismo|esta manana|esta tarde|esta noche)\b")
_YESTERDAY = re.compile(r"\bayer\b")
_DAY_BEFORE_YESTERDAY = re.compile(r"\b(?:antier|anteayer|antes de ayer|antes de ayer)\b")
_END_OF_MONTH = re.compile(
    r"\b(?:a\s+)?(?:fin|fines|final|finales)\s+de(?:l)?\s+mes(?P<next>\s+que\s+viene|\s+proximo)?\b"
)
_START_OF_MONTH = re.compile(
    r"\b(?:principio|principios|inicio|inicios|comienzo)s?\s+de(?:l)?\s+mes\b"
)
_MIDDLE_OF_MONTH = re.compile(r"\b(?:mediados|mitad)\s+de(?:l)?\s+mes\b")
_FORTNIGHT = re.compile(r"\bquincena\b")
_NEXT_WEEK = re.compile(
    r"\b(?:la\s+)?(?:proxima\s+semana|semana\s+que\s+viene|otra\s+semana|semana\s+entrante|siguiente\s+semana)\b"
)
_RELATIVE_OFFSET = re.compile(
    r"\b(?P<phrase>(?:dentro\s+de|en|hace)\s+(?P<count>\d{1,3}|un|una|" + _SMALL + r")\s+"
    r"(?P<unit>dias?|semanas?|mes(?:es)?))\b"
)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + (day.month - 1) + months
    return index // 12, index % 12 + 1


def _day_in_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_day_of_month(today: date, day: int, *, past: bool) -> date:
    """The next ``day`` of a month on or after today (the last one up to today when ``past``);
    a day the month lacks ("el 31" in November) is that month's last day."""
    this_month = _day_in_month(today.year, today.month, day)
    if past:
        if this_month <= today:
            return this_month
        year, month = _add_months(today, -1)
        return _day_in_month(year, month, day)
    if this_month >= today:
        return this_month
    year, month = _add_months(today, 1)
    return _day_in_month(year, month, day)


def _day_number(raw: str) -> int | None:
    if raw == "primero":
        return 1
    if raw in SMALL_NUMBERS:
        return SMALL_NUMBERS[raw]
    value = int(raw)
    return value if 1 <= value <= 31 else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _with_year(day: int, month: int, year: str | None, today: date, *, past: bool) -> date | None:
    if year:
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        return _safe_date(full_year, month, day)
    candidate = _safe_date(today.year, month, day)
    if candidate is None:
        if month == 2 and day == 29:  # the next (or last) leap year's
            step = -1 if past else 1
            year_value = today.year + step
            while not calendar.isleap(year_value):
                year_value += step
            return date(year_value, 2, 29)
        return None
    if past and candidate > today:
        return _safe_date(today.year - 1, month, day)
    if not past and candidate < today:
        return _safe_date(today.year + 1, month, day)
    return candidate


def _relative_offset(phrase: str, today: date) -> date | None:
    """ "dentro de 8 dias", "en 2 semanas", "hace 3 dias", through dateparser."""
    import dateparser

    for word, value in SMALL_NUMBERS.items():
        phrase = re.sub(rf"\b{word}\b", str(value), phrase)
    base = datetime(today.year, today.month, today.day, 12, 0)
    parsed = dateparser.parse(
        phrase,
        languages=["es"],
        settings={"RELATIVE_BASE": base, "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False},
    )
    return parsed.date() if parsed else None


def _find_date(text: _Text, today: date, *, past: bool) -> tuple[date | None, bool]:
    """A date written with its month, and whether an impossible one was written.

    An impossible date ("30 de febrero", "31/02") is consumed and gives no date, so that its
    "el 30" does not become this month's 30th; the caller then looks for no other date (the
    customer meant a specific day, and the engine asks again)."""
    value = text.value
    impossible = False
    for match in _NUMERIC_DATE.finditer(value):
        day, month = int(match["day"]), int(match["month"])
        if 1 <= day <= 31 and 1 <= month <= 12:
            text.consume(match)
            found = _with_year(day, month, match["year"], today, past=past)
            if found:
                return found, False
            impossible = True
    match_written = _WRITTEN_DATE.search(value)
    if match_written:
        text.consume(match_written)
        day_number = _day_number(match_written["day"])
        if day_number:
            found = _with_year(
                day_number, MONTHS[match_written["month"]], match_written["year"], today, past=past
            )
            if found:
                return found, False
        impossible = True
    return None, impossible


def _find_relative_date(text: _Text, today: date, *, past: bool) -> date | None:
    value = text.value
    if match := _DAY_AFTER_TOMORROW.search(value):
        text.consume(match)
        return today + timedelta(days=2)
    if match := _DAY_BEFORE_YESTERDAY.search(value):
        text.consume(match)
        return today - timedelta(days=2)
    if match := _YESTERDAY.search(value):
        text.consume(match)
        return today - timedelta(days=1)
    if match := _RELATIVE_OFFSET.search(value):
        found = _relative_offset(match["phrase"], today)
        if found:
            text.consume(match)
            return found
    if match := _END_OF_MONTH.search(value):
        text.consume(match)
        if match["next"]:
            year, month = _add_months(today, 1)
            return _last_day(year, month)
        return _last_day(today.year, today.month)  # on the last day itself: today
    if match := _MIDDLE_OF_MONTH.search(value):
        text.consume(match)
        return _next_day_of_month(today + timedelta(days=1), 15, past=False)
    if match := _START_OF_MONTH.search(value):
        text.consume(match)
        year, month = _add_months(today, 1)
        return date(year, month, 1)
    if match := _FORTNIGHT.search(value):
        text.consume(match)
        fifteenth = _day_in_month(today.year, today.month, 15)
        if fifteenth > today:
            return fifteenth
        last = _last_day(today.year, today.month)
        if last > today:
            return last
        year, month = _add_months(today, 1)
        return date(year, month, 15)
    if match := _DAY_OF_MONTH.search(value):
        day_number = _day_number(match["day"])
        if day_number:
            text.consume(match)
            if match["next"]:
                year, month = _add_months(today, 1)
                return _day_in_month(year, month, day_number)
            if match["this"]:
                return _day_in_month(today.year, today.month, day_number)
            if match["past"]:
                return _next_day_of_month(today, day_number, past=True)
            return _next_day_of_month(today, day_number, past=past)
    if match := _WEEKDAY_RE.search(value):
        text.consume(match)
        weekday = WEEKDAYS[match["weekday"]]
        after = (match["after"] or "").strip()
        if after == "pasado" or (past and not match["next"] and not after):
            days_back = (today.weekday() - weekday) % 7 or 7
            return today - timedelta(days=days_back)
        days_ahead = (weekday - today.weekday()) % 7 or 7
        if "semana" in after:
            monday_next_week = today + timedelta(days=7 - today.weekday())
            return monday_next_week + timedelta(days=weekday)
        return today + timedelta(days=days_ahead)
    if match := _NEXT_WEEK.search(value):
        text.consume(match)
        return today + timedelta(days=7 - today.weekday())  # Monday of next week
    if match := _TOMORROW.search(value):
        text.consume(match)
        return today + timedelta(days=1)
    if match := _TODAY.search(value):
        text.consume(match)
        return today
    return None


def _find_amount(text: _Text) -> Decimal | None:
    value = text.value
    compound = _AMOUNT_COMPOUND.search(value)
    if compound:  # "1 millón 500 mil", "2 palos 300 lucas"
        text.consume(compound)
        return Decimal(compound["millions"]) * 1_000_000 + Decimal(compound["thousands"]) * 1_000
    match = _AMOUNT_MULTIPLIED.search(value)
    if match:
        number = _scalar(match["number"])
        if number is not None:
            amount = number * _multiplier(match["unit"])
            if match["half"]:
                amount += _multiplier(match["unit"]) / 2
            text.consume(match)
            return _normal(amount)
    for pattern in (
        _AMOUNT_WITH_CURRENCY_BEFORE,
        _AMOUNT_WITH_CURRENCY_AFTER,
        _AMOUNT_GROUPED,
        _AMOUNT_AFTER_VERB,
    ):
        for match in pattern.finditer(value):
            number = parse_number(match["number"])
            if number is None or number <= 0:
                continue
            if pattern is _AMOUNT_GROUPED and _looks_like_document_context(value, match.start()):
                continue
            if pattern is _AMOUNT_AFTER_VERB and (
                number < _PLAIN_AMOUNT_MINIMUM or len(match["number"].split(".")[0]) > 9
            ):
                continue  # "tengo 2 hijos", "pago 3 cuotas": a count, not money
            start, end = match.span("number")
            text.value = value[:start] + " " * (end - start) + value[end:]
            return _normal(number)
    return None


def _looks_like_document_context(value: str, position: int) -> bool:
    before = value[max(0, position - 40) : position]
    return re.search(rf"\b(?:{_DOCUMENT_WORDS})\b[\s:#.\-a-z]*$", before) is not None


def _find_document(text: _Text, original: str) -> str | None:
    value = text.value
    for pattern in (_DOCUMENT_AFTER_WORD, _RUT):
        for match in pattern.finditer(value):
            compact = _compact_document(match["document"])
            if compact:
                text.consume(match)
                return compact
    for match in _PASSPORT.finditer(original):  # letters in capitals: the original text
        compact = _compact_document(match["document"])
        if compact and re.search(rf"(?<!\w){compact.lower()}(?!\w)", value):  # not consumed
            return compact
    for pattern in (_DASHED_DIGITS, _BARE_DIGITS):
        for match in pattern.finditer(value):
            compact = _compact_document(match["document"])
            if compact and compact.isdigit():
                text.consume(match)
                return compact
    return None


# --- hardship reasons -----------------------------------------------------------------------

_JOB = r"(?:trabajo|chamba|chambita|empleo|pega|laburo|curro|jale|chamba)"
REASON_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "no_bill",
        re.compile(
            r"\b(?:no|nunca)\s+(?:me\s+)?(?:ha\s+|han\s+)?(?:llego|llega|llegaron|recibi|mandaron|enviaron|"
            r"ha llegado|llego nunca)\s+(?:(?:la|el|ningun|ninguna|los|las)\s+)?"
            r"(?:factura|recibo|cuenta de cobro|cupon|boleta|aviso|extracto|estado de cuenta|"
            r"resumen|cobro|notificacion|facturas|recibos)"
        ),
    ),
    (
        "lost_job",
        re.compile(
            rf"\b(?:sin|perdi\s+(?:el|mi)|no\s+tengo|no\s+hay|busco|buscando)\s+{_JOB}\b|"
            r"\bdesemplead[oa]\b|\bcesante\b|\bparad[oa]\b(?=.*\btrabaj)|"
            r"\bme\s+(?:despidieron|echaron|corrieron|botaron|liquidaron|sacaron)\b|"
            r"\b(?:cerraron|quebro|cerre|quebre)\s+(?:mi\s+|el\s+)?(?:negocio|empresa|local)\b|"
            r"\bme\s+quede\s+sin\b"
        ),
    ),
    (
        "illness",
        re.compile(
            r"\benferm|\bhospital|\bcancer\b|(?<!de )\boperacion\b|\bcirugia\b|\bme\s+operaron\b|"
            r"\bincapacidad\b|\bincapacitad|\blicencia\s+medica\b|\baccidente\b|\bcovid\b|"
            r"\bmedicinas\b|\bmedicamentos\b|\btratamiento\b|\bquimio|\bdiabetes\b|\bembarazo\b|"
            r"\bsalud\b"
        ),
    ),
    (
        "lower_income",
        re.compile(
            r"\b(?:redujeron|bajaron|rebajaron|recortaron|disminuyeron|reducieron)\s+(?:el\s+|mi\s+|los\s+|las\s+|mis\s+)?"
            r"(?:sueldo|salario|horas|ingresos|pago|ventas|comisiones|turnos)|"
            r"\bgano\s+menos\b|\bpagan\s+menos\b|\bmenos\s+(?:ingresos|ventas|trabajo)\b|"
            r"\bventas\s+(?:estan\s+)?(?:malas|bajas|flojas)\b|\bno\s+(?:he|hemos)\s+vendido\b|"
            r"\bnegocio\s+(?:va|anda|esta)\s+mal\b|\bno\s+me\s+alcanza\b|"
            r"\bno\s+me\s+(?:han\s+)?pagad[oa]\b|\bno\s+me\s+pagaron\b|\bme\s+atrasaron\s+el\s+pago\b|"
            r"\b(?:bajo|bajaron)\s+(?:el\s+)?trabajo\b"
        ),
    ),
    (
        "forgot",
        re.compile(
            r"\bolvid|\bno\s+me\s+acorde\b|\bse\s+me\s+paso\b|\bse\s+me\s+fue\b|\bdespist|"
            r"\bno\s+me\s+di\s+cuenta\b"
        ),
    ),
    ("other", re.compile(r"\b(?:otro\s+motivo|otra\s+razon|otra\s+cosa|por\s+otra\s+causa)\b")),
]


def _find_reason(value: str) -> str | None:
    for code, pattern in REASON_PATTERNS:
        if pattern.search(value):
            return code
    return None


# --- yes and no -----------------------------------------------------------------------------

YES_PHRASES = frozenset(
    {
        "si",
        "sip",
        "sep",
        "sipi",
        "sis",
        "yes",
        "ok",
        "okay",
        "oki",
        "okey",
        "okis",
        "dale",
        "claro",
        "claro que si",
        "de una",
        "de 1",
        "simon",
        "va",
        "vale",
        "sale",
        "orale",
        "andale",
        "correcto",
        "es correcto",
        "exacto",
        "exactamente",
        "asi es",
        "eso es",
        "confirmo",
        "lo confirmo",
        "confirmado",
        "acepto",
        "de acuerdo",
        "deacuerdo",
        "estoy de acuerdo",
        "perfecto",
        "listo",
        "por supuesto",
        "obvio",
        "afirmativo",
        "seguro",
        "hagale",
        "hagamosle",
        "ya",
        "bueno",
        "esta bien",
        "ta bien",
        "me parece bien",
        "adelante",
        "cabal",
        "venga",
        "👍",
        "👌",
    }
)
NO_PHRASES = frozenset(
    {
        "no",
        "nop",
        "nope",
        "nel",
        "na",
        "nah",
        "nones",
        "nica",
        "para nada",
        "de ninguna manera",
        "negativo",
        "jamas",
        "nunca",
        "ni loco",
        "ni loca",
        "ni de broma",
        "ni hablar",
        "ni ahi",
        "ninguna",
        "ninguno",
        "tampoco",
        "mejor no",
        "creo que no",
        "no es correcto",
        "incorrecto",
        "no acepto",
        "no confirmo",
        "no estoy de acuerdo",
        "no quiero",
        "no me interesa",
        "por ahora no",
        "ahora no",
        "todavia no",
        "aun no",
        "👎",
    }
)
_FILLERS = frozenset(
    {
        "gracias",
        "muchas",
        "porfa",
        "por",
        "favor",
        "senor",
        "senora",
        "senorita",
        "seno",
        "po",
        "pe",
        "che",
        "wey",
        "we",
        "pues",
        "nomas",
        "carnal",
        "parce",
        "amigo",
        "amiga",
        "mismo",
        "claro",
        "dale",
        "si",
        "no",
        "ok",
    }
)
_WORDS = re.compile(r"[a-zñ0-9]+|👍|👌|👎")


def _find_yes_no(value: str) -> str | None:
    # "no, el viernes" / "si, el 15": an answer followed by a comma, whatever comes after.
    leading = re.match(r"\s*(si|no|ok|dale|nel|claro)\s*[,.!;]", value)
    if leading:
        return "no" if leading.group(1) in {"no", "nel"} else "yes"
    words = _WORDS.findall(value)
    if not words or len(words) > 6:
        return None
    for size in range(min(len(words), 5), 0, -1):
        head = " ".join(words[:size])
        rest = words[size:]
        if head in YES_PHRASES and all(word in _FILLERS for word in rest):
            return "no" if "no" in rest and head in {"ok", "bueno", "ya"} else "yes"
        if head in NO_PHRASES and all(word in _FILLERS for word in rest):
            return "no"
    return None


# --- the entry point ------------------------------------------------------------------------


_NUMBER_WORD = (
    r"(?:cero|un|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|"
    r"catorce|quince|dieci\w+|veinte|veinti\w+|treinta|cuarenta|cincuenta|sesenta|setenta|"
    r"ochenta|noventa|cien|ciento|doscientos|doscientas|trescientos|trescientas|cuatrocientos|"
    r"cuatrocientas|quinientos|quinientas|seiscientos|seiscientas|setecientos|setecientas|"
    r"ochocientos|ochocientas|novecientos|novecientas|mil|millon|millones)"
)
_NUMBER_WORD_RUN = re.compile(
    rf"\b{_NUMBER_WORD}(?:\s+(?:y\s+)?{_NUMBER_WORD})*\b(?P<half>\s+y\s+medi[oa]\b)?"
)
_LONE_WORDS = frozenset({*SMALL_NUMBERS, "cero", "mil", "millon", "millones"})


def _number_words_to_digits(text: str) -> str:
    """ "doscientos mil" -> "200000", "el quince" -> "el 15", "un millon quinientos mil" ->
    "1500000"; a lone "un", "dos" or "mil" stays a word (the amount and date rules read
    those in context: "un palo", "dos lucas", "mil pesos")."""

    def replace(match: re.Match[str]) -> str:
        half = match["half"] or ""
        run = match.group(0)[: len(match.group(0)) - len(half)]
        if run == "mil" and not re.search(r"[\d.,]\s*$", text[: match.start()]):
            return "1 mil" + half  # "mil pesos", "mil lucas": one thousand
        if run in _LONE_WORDS:
            return run + half
        try:
            value = text2num(run, "es")
        except ValueError:
            return run + half
        if re.search(r"\b(?:mil|millon|millones)$", run):
            if half:  # "un millón y medio": half of the last multiplier more
                value += 500_000 if run.endswith(("millon", "millones")) else 500
            return f"{value} _amount"  # "doscientos mil": an amount, whatever follows
        return str(value) + half

    return _NUMBER_WORD_RUN.sub(replace, text)


def _join_groups(text: str, match: re.Match[str]) -> str:
    """ "250 000" -> "250.000" (then read as thousands), except after a phone word ("mi
    número es 987 654 321")."""
    if _PHONE_CONTEXT.search(text[: match.start()]):
        return match.group(0)
    return match.group(0).replace(" ", ".")


def _prepare(text: str) -> str:
    folded = fold(text).replace("\u00a0", " ")
    folded = re.sub(r"([^\W\d])\1{2,}", r"\1", folded)
    folded = _SPACED_GROUPS.sub(lambda match: _join_groups(folded, match), folded)
    protected = _IDIOMATIC_MIL.sub(lambda match: "m_il " + match.group(1), folded)
    return _number_words_to_digits(protected).replace("m_il ", "mil ")


def extract_entities(text: str, *, today: date, past: bool | None = None) -> Entities:
    """The entities in ``text``; relative dates resolve against ``today``, backwards when
    ``past`` (the caller knows the date is of something done, e.g. "ya pagué" ... "el 3"),
    forwards when False, and by the message's tense when None."""
    prepared = _prepare(text)
    working = _Text(prepared)
    if past is None:
        past = _PAST_TENSE.search(prepared) is not None
    _consume_percentages(working)
    reference = _find_reference(working)
    without_reference = working.value  # "número de operación 123456" is no surgery
    found_date, impossible_date = _find_date(working, today, past=past)
    amount = _find_amount(working)
    if amount is not None and amount <= 0:
        amount = None  # "0 mil" is no amount to promise or pay
    document = _find_document(working, text)
    if found_date is None and not impossible_date:
        found_date = _find_relative_date(working, today, past=past)
    return Entities(
        date=found_date,
        amount=amount,
        document=document,
        reason=_find_reason(without_reference),
        yes_no=_find_yes_no(prepared),
        reference=reference,
    )


def entities_from_json(data: dict[str, Any]) -> Entities:
    """The inverse of ``Entities.as_json`` (for turns stored as JSON)."""
    return Entities(
        date=date.fromisoformat(data["date"]) if data.get("date") else None,
        amount=Decimal(data["amount"]) if data.get("amount") else None,
        document=data.get("document") or None,
        reason=data.get("reason") or None,
        yes_no=data.get("yes_no") or None,
        reference=data.get("reference") or None,
    )
