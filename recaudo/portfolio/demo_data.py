"""Demo portfolios: realistic, importable files generated in bulk (``recaudo demo-data``).

Everything is drawn with NumPy from one seed and assembled with Polars, so a million accounts take
seconds and the same seed always gives the same files. The files follow docs/import-format.md
(canonical English headers); each creditor (one per country) gets its own folder, and
``creditors.json`` at the top describes the creditors and lists their files.

Delinquency is built in, not left to chance: each account first draws its days past due as of
``as_of`` (40% current, 30% 1-30, 12% 31-60, 8% 61-90, 10% over 90), then gets a monthly schedule
whose oldest unpaid instalment falls due exactly that long ago, and payments that cover every
earlier instalment (and sometimes part of that one). The balance is the instalments minus the
payments, as of ``as_of``.
"""

import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from stdnum.cl import rut as cl_rut
from stdnum.co import nit as co_nit
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc
from stdnum.pe import ruc as pe_ruc

from recaudo.lib.money import minor_unit

Ints = npt.NDArray[np.int64]
Days = npt.NDArray[np.datetime64]

MANIFEST = "creditors.json"
ACCOUNTS_FILE = "accounts.csv"
INSTALMENTS_FILE = "instalments.csv"
PAYMENTS_FILE = "payments.csv"
CONTACT_POINTS_FILE = "contact_points.csv"

# Days past due classes as of ``as_of``: (share, lowest, highest).
DAYS_PAST_DUE_CLASSES: tuple[tuple[float, int, int], ...] = (
    (0.40, 0, 0),
    (0.30, 1, 30),
    (0.12, 31, 60),
    (0.08, 61, 90),
    (0.10, 91, 720),
)

# Product mix and the median original amount of each product, in US dollars (converted with the
# country's rough exchange rate, so magnitudes look right in each currency).
PRODUCTS: tuple[tuple[str, float, float], ...] = (
    ("credit_card", 0.25, 900),
    ("personal_loan", 0.22, 2_500),
    ("microcredit", 0.10, 400),
    ("auto_loan", 0.05, 12_000),
    ("mortgage", 0.03, 45_000),
    ("utility", 0.12, 70),
    ("telecom", 0.13, 50),
    ("bnpl", 0.08, 160),
    ("other", 0.02, 500),
)
AMOUNT_SIGMA = 0.7

PERSON_TYPES = (("retail", 0.85), ("vip", 0.04), ("employee", 0.03), ("sme", 0.06), ("other", 0.02))
COMPANY_TYPES = (("sme", 0.7), ("corporate", 0.3))
COMPANY_SHARE = 0.03
SHARED_CUSTOMER_SHARE = 0.08  # accounts that belong to the previous account's customer
METHODS = (
    ("bank_transfer", 0.35),
    ("cash", 0.25),
    ("card", 0.15),
    ("direct_debit", 0.1),
    ("payment_link", 0.1),
    ("wallet", 0.05),
)
PREFERRED_CHANNELS = ("whatsapp", "sms", "email", "voice")

FEMALE_NAMES = (
    "María", "Ana", "Luisa", "Carmen", "Laura", "Sofía", "Valentina", "Camila", "Isabel",
    "Daniela", "Paula", "Gabriela", "Andrea", "Mariana", "Natalia", "Carolina", "Patricia",
    "Rosa", "Elena", "Lucía", "Verónica", "Adriana", "Claudia", "Diana", "Fernanda", "Juliana",
    "María José", "María Fernanda", "Ana María", "Luz Marina", "Gloria", "Marcela", "Teresa",
)  # fmt: skip
MALE_NAMES = (
    "José", "Juan", "Carlos", "Luis", "Jorge", "Andrés", "Miguel", "Pedro", "Diego", "Felipe",
    "Santiago", "Sebastián", "Alejandro", "Javier", "Ricardo", "Fernando", "Manuel", "Óscar",
    "Héctor", "Raúl", "Mauricio", "Camilo", "Julián", "Eduardo", "Francisco", "Hernán",
    "Juan Carlos", "José Luis", "Juan Pablo", "Luis Fernando", "Jorge Luis", "Víctor",
)  # fmt: skip
COMMON_SURNAMES = (
    "García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Vargas", "Castillo", "Jiménez", "Moreno",
    "Romero", "Herrera", "Medina", "Aguilar", "Rojas", "Castro", "Vásquez", "Muñoz", "Silva",
)  # fmt: skip
COUNTRY_SURNAMES = {
    "CO": ("Cárdenas", "Ospina", "Restrepo", "Zapata", "Osorio", "Giraldo", "Londoño", "Quintero",
           "Valencia", "Arango", "Cardona", "Mejía", "Salazar", "Bedoya"),
    "MX": ("Mendoza", "Domínguez", "Vázquez", "Velázquez", "Contreras", "Guerrero", "Estrada",
           "Cervantes", "Ibarra", "Navarro", "Salinas", "Villanueva", "Zúñiga", "Espinoza"),
    "CL": ("Soto", "Contreras", "Fuentes", "Valenzuela", "Araya", "Espinoza", "Tapia", "Sepúlveda",
           "Carrasco", "Figueroa", "Cortés", "Núñez", "Olivares", "Bravo"),
    "PE": ("Quispe", "Mamani", "Huamán", "Condori", "Chávez", "Mendoza", "Vilca", "Ccama",
           "Paredes", "Salazar", "Espinoza", "Palomino", "Huanca", "Cárdenas"),
}  # fmt: skip
COMPANY_WORDS = (
    "Inversiones", "Comercializadora", "Distribuidora", "Servicios", "Construcciones",
    "Transportes", "Agroindustrial", "Soluciones", "Importadora", "Textiles",
)  # fmt: skip


@dataclass(frozen=True)
class CountryProfile:
    country: str
    currency: str
    timezone: str
    creditor_name: str
    creditor_slug: str
    units_per_dollar: float
    rounding_minor: int  # amounts are whole multiples of this many minor units
    company_suffix: str
    phone_prefixes: tuple[str, ...]  # E.164 prefixes of mobile ranges, all of one length
    phone_digits: int  # random digits after the prefix
    email_domains: tuple[str, ...]
    payment_channels: tuple[str, ...]


PROFILES: dict[str, CountryProfile] = {
    "CO": CountryProfile(
        "CO", "COP", "America/Bogota", "Crédito Andino", "credito-andino", 4_000, 100_00, "S.A.S.",
        tuple(f"+57{prefix}" for prefix in (
            "300", "301", "302", "304", "305", "310", "311", "312", "313", "314", "315", "316",
            "317", "318", "319", "320", "321", "322", "323", "350", "351",
        )), 7,
        ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "une.net.co"),
        ("PSE", "Efecty", "Baloto", "Bancolombia", "Nequi", "oficina"),
    ),
    "MX": CountryProfile(
        "MX", "MXN", "America/Mexico_City", "Financiera del Valle", "financiera-del-valle", 18, 1_00,
        "S.A. de C.V.",
        ("+5255", "+5233", "+5281"), 8,
        ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "prodigy.net.mx"),
        ("SPEI", "OXXO", "BBVA", "Banorte", "app", "sucursal"),
    ),
    "CL": CountryProfile(
        "CL", "CLP", "America/Santiago", "Créditos del Pacífico", "creditos-del-pacifico", 930, 10,
        "Ltda.",
        tuple(f"+569{digit}" for digit in "2458"), 7,
        ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "vtr.net"),
        ("Webpay", "Servipag", "Khipu", "BancoEstado", "sucursal"),
    ),
    "PE": CountryProfile(
        "PE", "PEN", "America/Lima", "Caja Inca", "caja-inca", 3.7, 1_00, "S.A.C.",
        ("+519",), 8,
        ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com"),
        ("Yape", "Plin", "BCP", "Interbank", "agente", "oficina"),
    ),
}  # fmt: skip

# Column order of each file (canonical headers of docs/import-format.md).
ACCOUNT_COLUMNS = (
    "customer_id", "customer_kind", "first_name", "last_name", "document_type", "document_number",
    "birth_date", "customer_since", "customer_type", "vulnerable", "phone", "phone_2", "email",
    "preferred_channel", "account_id", "product_type", "currency", "original_amount", "opened_at",
    "balance", "balance_as_of", "status",
)  # fmt: skip
INSTALMENT_COLUMNS = ("account_id", "instalment_number", "due_date", "amount_due")
PAYMENT_COLUMNS = ("payment_reference", "account_id", "amount", "paid_at", "method", "channel")
CONTACT_POINT_COLUMNS = (
    "customer_id",
    "medium",
    "value",
    "role",
    "name",
    "verified",
    "authorised_channels",
)


@dataclass(frozen=True)
class DemoSpec:
    accounts: int
    countries: tuple[str, ...]
    seed: int
    as_of: dt.date


@dataclass(frozen=True)
class Portfolio:
    """One creditor's files as frames of strings, dates and integers, ready to write."""

    profile: CountryProfile
    accounts: pl.DataFrame
    instalments: pl.DataFrame
    payments: pl.DataFrame
    contact_points: pl.DataFrame


# --- small vectorised helpers ------------------------------------------------------------------


def _choice(rng: np.random.Generator, options: Sequence[tuple[str, float]], n: int) -> pl.Series:
    names = [name for name, _ in options]
    weights = np.array([weight for _, weight in options])
    picked = rng.choice(len(names), size=n, p=weights / weights.sum())
    return pl.Series(names).gather(picked)


def _pick(rng: np.random.Generator, values: Sequence[str], n: int) -> pl.Series:
    return pl.Series(list(values)).gather(rng.integers(0, len(values), n))


def _unique_numbers(rng: np.random.Generator, low: int, high: int, n: int) -> Ints:
    """``n`` distinct integers in ``[low, high)``, shuffled."""
    step = (high - low) // max(n, 1)
    if step < 1:
        raise ValueError(f"cannot draw {n} distinct numbers in [{low}, {high})")
    numbers = low + np.arange(n, dtype=np.int64) * step + rng.integers(0, step, n)
    return rng.permutation(numbers)


def _day_of_month(days: Days) -> Ints:
    return (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _money(column: str, currency: str) -> pl.Expr:
    """Integer minor units as a decimal string with the currency's own minor unit (never float)."""
    decimals = minor_unit(currency)
    units = pl.col(column)
    if decimals == 0:
        return units.cast(pl.String)
    scale = 10**decimals
    return pl.concat_str(
        (units // scale).cast(pl.String),
        pl.lit("."),
        (units % scale).cast(pl.String).str.zfill(decimals),
    )


def _concat(*parts: pl.Series | str) -> pl.Series:
    """Row-wise concatenation of string series and literal strings."""
    return pl.select(
        pl.concat_str([pl.lit(part) if isinstance(part, str) else part for part in parts])
    ).to_series()


def _ids(prefix: str, numbers: Ints, width: int = 8) -> pl.Series:
    return _concat(prefix, pl.Series(numbers).cast(pl.String).str.zfill(width))


# --- documents ---------------------------------------------------------------------------------

_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"
_CURP_VALUES = np.zeros(256, dtype=np.int64)
_CURP_VALUES[[ord(character) for character in _CURP_ALPHABET]] = np.arange(len(_CURP_ALPHABET))
_CURP_STATES = sorted(set(mx_curp._valid_states) - {"NE"})
_CURP_FORBIDDEN = np.array(sorted(mx_curp._name_blacklist), dtype="S4")
_CURP_SKIPPED_NAMES = {"MARIA", "MA", "JOSE", "J"}
_VOWELS = "AEIOU"


def _curp_letters(word: str) -> str:
    """Initial, first inner vowel and first inner consonant of a name, as CURP uses them."""
    clean = _ascii(word.upper().replace("Ñ", "X"))
    inner = clean[1:]
    vowel = next((c for c in inner if c in _VOWELS), "X")
    consonant = next((c for c in inner if c.isalpha() and c not in _VOWELS), "X")
    return clean[0] + vowel + consonant


def _curp_given_name(name: str) -> str:
    words = name.split()
    if len(words) > 1 and _ascii(words[0].upper()) in _CURP_SKIPPED_NAMES:
        return words[1]
    return words[0]


def _letter_codes(words: Sequence[str], pick: Ints, position: int) -> npt.NDArray[np.uint8]:
    table = np.frombuffer("".join(word[position] for word in words).encode(), dtype=np.uint8)
    return table[pick]


def _digits(values: Ints, width: int) -> npt.NDArray[np.uint8]:
    """Each number as ``width`` ASCII digit codes, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def curps(
    rng: np.random.Generator,
    given: Sequence[str],
    first_surnames: Sequence[str],
    second_surnames: Sequence[str],
    given_pick: Ints,
    first_pick: Ints,
    second_pick: Ints,
    birth: Days,
    female: npt.NDArray[np.bool_],
) -> npt.NDArray[np.str_]:
    """CURPs (with their check digit) for people picked from name lists, computed as arrays."""
    n = len(birth)
    given_letters = [_curp_letters(_curp_given_name(name)) for name in given]
    first_letters = [_curp_letters(name) for name in first_surnames]
    second_letters = [_curp_letters(name) for name in second_surnames]
    code = np.empty((n, 18), dtype=np.uint8)
    code[:, 0] = _letter_codes(first_letters, first_pick, 0)
    code[:, 1] = _letter_codes(first_letters, first_pick, 1)
    code[:, 2] = _letter_codes(second_letters, second_pick, 0)
    code[:, 3] = _letter_codes(given_letters, given_pick, 0)
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    code[:, 4:10] = _digits((years % 100) * 10_000 + months * 100 + _day_of_month(birth), 6)
    code[:, 10] = np.where(female, ord("M"), ord("H"))
    states = np.frombuffer("".join(_CURP_STATES).encode(), dtype=np.uint8).reshape(-1, 2)
    code[:, 11:13] = states[rng.integers(0, len(states), n)]
    code[:, 13] = _letter_codes(first_letters, first_pick, 2)
    code[:, 14] = _letter_codes(second_letters, second_pick, 2)
    code[:, 15] = _letter_codes(given_letters, given_pick, 2)
    code[:, 16] = np.where(
        years < 2000, rng.integers(ord("0"), ord("9") + 1, n), rng.integers(ord("A"), ord("B"), n)
    )
    forbidden = np.isin(code[:, :4].copy().view("S4").ravel(), _CURP_FORBIDDEN)
    code[forbidden, 1] = ord("X")
    weights = np.arange(18, 1, -1, dtype=np.int64)
    check = (_CURP_VALUES[code[:, :17]] * weights).sum(axis=1)
    code[:, 17] = (10 - check % 10) % 10 + ord("0")
    return np.char.decode(code.view("S18").ravel(), "ascii")


def ruts(bodies: Ints) -> pl.Series:
    """Chilean RUTs ``12345678-K`` for the given bodies (modulo 11, weights 2..7 from the right)."""
    digits = _digits(bodies, 8).astype(np.int64) - ord("0")
    weights = np.array([3, 2, 7, 6, 5, 4, 3, 2], dtype=np.int64)
    remainder = 11 - (digits * weights).sum(axis=1) % 11
    check = pl.Series(np.where(remainder == 11, 0, remainder)).cast(pl.String)
    check = check.replace("10", "K")
    return _concat(pl.Series(bodies).cast(pl.String), "-", check)


def _company_documents(rng: np.random.Generator, country: str, initials: list[str]) -> list[str]:
    """Company tax ids (few rows, so one python-stdnum call each)."""
    n = len(initials)
    if country == "CO":
        bodies = _unique_numbers(rng, 800_000_000, 902_000_000, n)
        return [f"{body}-{co_nit.calc_check_digit(str(body))}" for body in bodies]
    if country == "MX":
        founded = rng.integers(0, 30 * 365, n)
        numbers = []
        for letters, days, serial in zip(initials, founded, rng.integers(10, 100, n), strict=True):
            stem = f"{letters}{dt.date(1990, 1, 1) + dt.timedelta(days=int(days)):%y%m%d}{serial}"
            numbers.append(stem + mx_rfc.calc_check_digit(stem))
        return numbers
    if country == "CL":
        bodies = _unique_numbers(rng, 76_000_000, 78_000_000, n)
        return [f"{body}-{cl_rut.calc_check_digit(str(body))}" for body in bodies]
    bodies = _unique_numbers(rng, 20_100_000_00, 20_610_000_00, n)
    return [f"{body}{pe_ruc.calc_check_digit(str(body))}" for body in bodies]


def _person_documents(
    rng: np.random.Generator,
    country: str,
    birth: Days,
    names: tuple[Sequence[str], Sequence[str], Sequence[str]],
    picks: tuple[Ints, Ints, Ints],
    female: npt.NDArray[np.bool_],
) -> tuple[str, pl.Series]:
    n = len(birth)
    if country == "CO":
        # Cédulas: 8 digits for people registered before 1990s changes, 10 digits after.
        young = birth >= np.datetime64("1985-01-01")
        old_numbers = _unique_numbers(rng, 10_000_000, 99_999_999, n)
        new_numbers = _unique_numbers(rng, 1_000_000_000, 1_130_000_000, n)
        return "CC", pl.Series(np.where(young, new_numbers, old_numbers)).cast(pl.String)
    if country == "MX":
        return "CURP", pl.Series(curps(rng, *names, *picks, birth, female))
    if country == "CL":
        return "RUT", ruts(_unique_numbers(rng, 5_000_000, 26_000_000, n))
    return "DNI", pl.Series(_unique_numbers(rng, 10_000_000, 80_000_000, n)).cast(pl.String)


# --- customers ---------------------------------------------------------------------------------


def _customers(
    rng: np.random.Generator, profile: CountryProfile, n: int, as_of: dt.date
) -> pl.DataFrame:
    """One row per customer: identity, document, contact data (no ids, no dates of the account)."""
    country = profile.country
    surnames = COMMON_SURNAMES + COUNTRY_SURNAMES[country]
    female = rng.random(n) < 0.5
    female_pick = rng.integers(0, len(FEMALE_NAMES), n)
    male_pick = rng.integers(0, len(MALE_NAMES), n)
    given_names = FEMALE_NAMES + MALE_NAMES
    given_pick = np.where(female, female_pick, len(FEMALE_NAMES) + male_pick)
    first_pick = rng.integers(0, len(surnames), n)
    second_pick = rng.integers(0, len(surnames), n)
    birth = np.datetime64(as_of, "D") - rng.integers(22 * 365, 78 * 365, n)

    company = rng.random(n) < COMPANY_SHARE
    kind, document_number = _person_documents(
        rng,
        country,
        birth,
        (given_names, surnames, surnames),
        (given_pick, first_pick, second_pick),
        female,
    )
    surname_series = pl.Series(list(surnames))
    first_surname = surname_series.gather(first_pick)
    last_name = _concat(first_surname, " ", surname_series.gather(second_pick))
    first_name = pl.Series(list(given_names)).gather(given_pick)
    company_rows = np.flatnonzero(company)
    company_word = _pick(rng, COMPANY_WORDS, len(company_rows))
    company_surname = first_surname.gather(company_rows)
    company_name = _concat(company_word, " ", company_surname, " " + profile.company_suffix)
    initials = [
        _ascii(word[:1] + surname[:2]).upper().replace("Ñ", "X")
        for word, surname in zip(company_word, company_surname, strict=True)
    ]
    document_type = pl.Series([kind] * n).scatter(
        company_rows, {"CO": "NIT", "MX": "RFC", "CL": "RUT", "PE": "RUC"}[country]
    )
    document_number = document_number.scatter(
        company_rows, _company_documents(rng, country, initials)
    )

    ascii_given = pl.Series([_ascii(name.split()[0]).lower() for name in given_names])
    ascii_surnames = pl.Series([_ascii(name).lower().replace(" ", "") for name in surnames])
    email_number = pl.Series(rng.integers(0, 100, n)).cast(pl.String)
    email = _concat(
        ascii_given.gather(given_pick),
        ".",
        ascii_surnames.gather(first_pick),
        pl.Series(np.where(rng.random(n) < 0.6, email_number, "")),
        "@",
        _pick(rng, profile.email_domains, n),
    )
    return pl.DataFrame(
        {
            "customer_kind": np.where(company, "company", "person"),
            "first_name": _some(~company, first_name),
            "last_name": last_name.scatter(company_rows, company_name),
            "document_type": document_type,
            "document_number": document_number,
            "birth_date": pl.Series(birth).cast(pl.Date),
            "customer_type": _choice(rng, PERSON_TYPES, n).scatter(
                company_rows, _choice(rng, COMPANY_TYPES, len(company_rows))
            ),
            "vulnerable": np.where((rng.random(n) < 0.02) & ~company, "yes", "no"),
            "phone": _phones(rng, profile, n, share=0.95),
            "phone_2": _phones(rng, profile, n, share=0.15),
            "email": _some(rng.random(n) < 0.8, email),
            "preferred_channel": _some(rng.random(n) < 0.3, _pick(rng, PREFERRED_CHANNELS, n)),
        }
    ).with_columns(
        birth_date=pl.when(pl.col("customer_kind") == "person").then(pl.col("birth_date"))
    )


def _phones(rng: np.random.Generator, profile: CountryProfile, n: int, share: float) -> pl.Series:
    """Mobile numbers in E.164 for ``share`` of ``n`` rows (the rest empty)."""
    digits = profile.phone_digits
    subscriber = pl.Series(rng.integers(0, 10**digits, n)).cast(pl.String).str.zfill(digits)
    return _some(rng.random(n) < share, _concat(_pick(rng, profile.phone_prefixes, n), subscriber))


def _some(mask: npt.NDArray[np.bool_], values: pl.Series) -> pl.Series:
    """``values`` where ``mask`` holds, empty strings elsewhere."""
    return pl.select(pl.when(pl.Series(mask)).then(values).otherwise(pl.lit(""))).to_series()


# --- accounts, schedules and payments ----------------------------------------------------------


@dataclass(frozen=True)
class _Schedules:
    """Per account: instalment count, the oldest unpaid instalment and its due date."""

    count: Ints
    anchor: Ints  # index of the oldest unpaid instalment
    anchor_month: npt.NDArray[np.datetime64]  # datetime64[M]
    day: Ints  # day of month of every due date (1..28)
    overdue: npt.NDArray[np.bool_]


def _schedules(rng: np.random.Generator, n: int, as_of: dt.date) -> _Schedules:
    shares = np.array([share for share, _, _ in DAYS_PAST_DUE_CLASSES])
    classes = rng.choice(len(shares), size=n, p=shares / shares.sum())
    low = np.array([low for _, low, _ in DAYS_PAST_DUE_CLASSES])[classes]
    high = np.array([high for _, _, high in DAYS_PAST_DUE_CLASSES])[classes]
    # Over 90 days: mostly just over, with a long tail.
    spread = np.where(classes == len(shares) - 1, rng.exponential(0.25, n), rng.random(n))
    days_past_due = low + np.minimum(spread, 1) * (high - low)
    overdue = days_past_due > 0
    today = np.datetime64(as_of, "D")
    # Current accounts: the next instalment falls due within the next four weeks.
    next_due = today + rng.integers(0, 28, n)
    next_due = np.where(
        _day_of_month(next_due) > 28,
        (next_due.astype("datetime64[M]") + 1).astype("datetime64[D]"),
        next_due,
    )
    anchor_date = np.where(overdue, today - days_past_due.astype(np.int64), next_due)
    count = 1 + rng.poisson(5, n)
    return _Schedules(
        count=count,
        anchor=rng.integers(0, count),
        anchor_month=anchor_date.astype("datetime64[M]"),
        day=np.minimum(_day_of_month(anchor_date), 28),
        overdue=overdue,
    )


def _original_amounts(
    rng: np.random.Generator, profile: CountryProfile, products: Ints, count: Ints
) -> Ints:
    medians = np.array([median for _, _, median in PRODUCTS])[products]
    scale = profile.units_per_dollar * 10 ** minor_unit(profile.currency) / profile.rounding_minor
    units = np.round(medians * scale * rng.lognormal(0, AMOUNT_SIGMA, len(products)))
    return np.maximum(units.astype(np.int64), count) * profile.rounding_minor


def _country_portfolio(
    profile: CountryProfile, n: int, seed: int, country_index: int, as_of: dt.date
) -> Portfolio:
    rng = np.random.default_rng([seed, country_index])
    new_customer = rng.random(n) >= SHARED_CUSTOMER_SHARE
    new_customer[0] = True
    customer_of = np.cumsum(new_customer) - 1
    customers = _customers(rng, profile, int(customer_of[-1]) + 1, as_of)

    schedules = _schedules(rng, n, as_of)
    product_weights = np.array([share for _, share, _ in PRODUCTS])
    products = rng.choice(len(PRODUCTS), size=n, p=product_weights / product_weights.sum())
    original = _original_amounts(rng, profile, products, schedules.count)

    # Instalments: one row per (account, number), equal amounts, the last takes the remainder.
    account_of = np.repeat(np.arange(n), schedules.count)
    starts = np.cumsum(schedules.count) - schedules.count
    index = np.arange(len(account_of)) - starts[account_of]
    count = schedules.count[account_of]
    unit = profile.rounding_minor
    regular = original // schedules.count // unit * unit
    amount_due = np.where(
        index == count - 1,
        original[account_of] - regular[account_of] * (count - 1),
        regular[account_of],
    )
    months = schedules.anchor_month[account_of] + (index - schedules.anchor[account_of])
    due = months.astype("datetime64[D]") + (schedules.day[account_of] - 1)

    # Payments: every instalment before the oldest unpaid one, plus sometimes part of that one.
    today = np.datetime64(as_of, "D")
    anchor = schedules.anchor[account_of]
    paid_rows = np.flatnonzero(index < anchor)
    partial_rows = np.flatnonzero(
        (index == anchor) & schedules.overdue[account_of] & (rng.random(len(index)) < 0.3)
    )
    partial_amount = (
        (amount_due[partial_rows] * rng.uniform(0.1, 0.7, len(partial_rows))).astype(np.int64)
        // unit
        * unit
    )
    partial_rows = partial_rows[partial_amount > 0]
    partial_amount = partial_amount[partial_amount > 0]
    payment_rows = np.concatenate([paid_rows, partial_rows])
    payment_amount = np.concatenate([amount_due[paid_rows], partial_amount])
    lateness = np.concatenate(
        [rng.integers(-7, 15, len(paid_rows)), rng.integers(1, 20, len(partial_rows))]
    )
    paid_on = np.minimum(due[payment_rows] + lateness, today - 1)
    order = np.lexsort((paid_on, account_of[payment_rows]))
    payment_rows, payment_amount, paid_on = (
        payment_rows[order],
        payment_amount[order],
        paid_on[order],
    )
    paid_total = np.zeros(n, dtype=np.int64)
    np.add.at(paid_total, account_of[payment_rows], payment_amount)

    first_due = schedules.anchor_month - schedules.anchor
    opened_at = (first_due - 1).astype("datetime64[D]") + (schedules.day - 1)
    account_ids = _ids("A", np.arange(1, n + 1))
    # A customer became one before opening any of their accounts (and as an adult).
    first_opened = np.minimum.reduceat(opened_at, np.flatnonzero(new_customer))
    birth = customers["birth_date"].to_numpy().astype("datetime64[D]")
    customer_since = first_opened - rng.integers(0, 8 * 365, len(first_opened))
    adult = np.where(np.isnat(birth), customer_since, birth + 18 * 366)
    customer_since = np.minimum(np.maximum(customer_since, adult), first_opened)
    customers = customers.with_columns(
        customer_id=_ids("C", np.arange(1, len(customers) + 1)),
        customer_since=pl.Series(customer_since).cast(pl.Date),
    )

    accounts = (
        customers[customer_of]
        .with_columns(
            account_id=account_ids,
            product_type=pl.Series([name for name, _, _ in PRODUCTS]).gather(products),
            currency=pl.lit(profile.currency),
            original_minor=pl.Series(original),
            opened_at=pl.Series(opened_at).cast(pl.Date),
            balance_minor=pl.Series(original - paid_total),
            # The creditor's figures close the day before (every demo payment is before that),
            # so a payment made today, through a link or an agent, reduces the balance.
            balance_as_of=pl.lit(as_of - dt.timedelta(days=1)),
            status=pl.Series(np.where(rng.random(n) < 0.01, "dispute", "active")),
        )
        .with_columns(
            original_amount=_money("original_minor", profile.currency),
            balance=_money("balance_minor", profile.currency),
        )
        .select(ACCOUNT_COLUMNS)
    )
    instalments = (
        pl.DataFrame(
            {
                "account_id": account_ids.gather(account_of),
                "instalment_number": index + 1,
                "due_date": pl.Series(due).cast(pl.Date),
                "amount_due_minor": amount_due,
            }
        )
        .with_columns(amount_due=_money("amount_due_minor", profile.currency))
        .select(INSTALMENT_COLUMNS)
    )
    payments = (
        pl.DataFrame(
            {
                "payment_reference": _ids("P", np.arange(1, len(payment_rows) + 1), 9),
                "account_id": account_ids.gather(account_of[payment_rows]),
                "amount_minor": payment_amount,
                "paid_at": pl.Series(paid_on).cast(pl.Date),
                "method": _choice(rng, METHODS, len(payment_rows)),
                "channel": _pick(rng, profile.payment_channels, len(payment_rows)),
            }
        )
        .with_columns(amount=_money("amount_minor", profile.currency))
        .select(PAYMENT_COLUMNS)
    )
    return Portfolio(
        profile, accounts, instalments, payments, _contact_points(rng, profile, customers)
    )


def _contact_points(
    rng: np.random.Generator, profile: CountryProfile, customers: pl.DataFrame
) -> pl.DataFrame:
    """The channels customers authorised on their own phone and e-mail, plus guarantors (5% of
    customers) and references (10%): a phone and a name each."""
    return pl.concat(
        [_authorisations(rng, customers), _third_parties(rng, profile, customers)]
    ).select(CONTACT_POINT_COLUMNS)


def _authorisations(rng: np.random.Generator, customers: pl.DataFrame) -> pl.DataFrame:
    """Most customers authorised WhatsApp, SMS and calls on their phone, some only SMS; most
    authorised e-mail; about one in ten authorised nothing (so the policy has something to
    refuse in countries that require authorisation)."""
    n = len(customers)
    phone_choice = np.where(
        rng.random(n) < 0.75, "whatsapp|sms|voice", np.where(rng.random(n) < 0.6, "sms", "")
    )
    email_choice = np.where(rng.random(n) < 0.7, "email", "")
    parts = [
        customers.select(
            "customer_id",
            pl.lit(medium).alias("medium"),
            pl.col(column).alias("value"),
            pl.lit("debtor").alias("role"),
            pl.lit("").alias("name"),
            pl.lit("yes").alias("verified"),
            pl.Series("authorised_channels", choice),
        ).filter((pl.col("value").fill_null("") != "") & (pl.col("authorised_channels") != ""))
        for medium, column, choice in (
            ("phone", "phone", phone_choice),
            ("email", "email", email_choice),
        )
    ]
    return pl.concat(parts)


def _third_parties(
    rng: np.random.Generator, profile: CountryProfile, customers: pl.DataFrame
) -> pl.DataFrame:
    n = len(customers)
    role = np.where(
        rng.random(n) < 0.05, "guarantor", np.where(rng.random(n) < 0.1, "reference", "")
    )
    rows = np.flatnonzero(role != "")
    surnames = COMMON_SURNAMES + COUNTRY_SURNAMES[profile.country]
    given = _pick(rng, FEMALE_NAMES + MALE_NAMES, len(rows))
    return pl.DataFrame(
        {
            "customer_id": customers["customer_id"].gather(rows),
            "medium": pl.Series(["phone"] * len(rows), dtype=pl.String),
            "value": _phones(rng, profile, len(rows), share=1.0),
            "role": role[rows],
            "name": _concat(given, " ", _pick(rng, surnames, len(rows))),
            "verified": np.where(rng.random(len(rows)) < 0.5, "yes", "no"),
            "authorised_channels": pl.Series(
                np.where(role[rows] == "guarantor", "sms|voice", ""), dtype=pl.String
            ),
        }
    )


# --- the public interface ----------------------------------------------------------------------


def split_accounts(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def generate(spec: DemoSpec) -> list[Portfolio]:
    """One portfolio per country of ``spec`` (accounts split evenly), deterministic for its seed."""
    unknown = [country for country in spec.countries if country not in PROFILES]
    if unknown:
        raise ValueError(f"no demo profile for {', '.join(unknown)}; use {', '.join(PROFILES)}")
    return [
        _country_portfolio(PROFILES[country], n, spec.seed, index, spec.as_of)
        for index, (country, n) in enumerate(
            zip(spec.countries, split_accounts(spec.accounts, len(spec.countries)), strict=True)
        )
        if n > 0
    ]


def write_portfolio(spec: DemoSpec, out_dir: Path) -> dict[str, Any]:
    """Write every creditor's files under ``out_dir/<slug>/`` and the manifest; return it."""
    creditors = []
    for portfolio in generate(spec):
        profile = portfolio.profile
        folder = out_dir / profile.creditor_slug
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "accounts": (ACCOUNTS_FILE, portfolio.accounts),
            "instalments": (INSTALMENTS_FILE, portfolio.instalments),
            "payments": (PAYMENTS_FILE, portfolio.payments),
            "contact_points": (CONTACT_POINTS_FILE, portfolio.contact_points),
        }
        for name, frame in files.values():
            frame.write_csv(folder / name)
        creditors.append(
            {
                "name": profile.creditor_name,
                "slug": profile.creditor_slug,
                "country": profile.country,
                "currency": profile.currency,
                "timezone": profile.timezone,
                "accounts": len(portfolio.accounts),
                "files": {
                    key: f"{profile.creditor_slug}/{name}" for key, (name, _) in files.items()
                },
            }
        )
    manifest = {
        "seed": spec.seed,
        "accounts": spec.accounts,
        "countries": list(spec.countries),
        "as_of": spec.as_of.isoformat(),
        "creditors": creditors,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / MANIFEST
    if not path.exists():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest
