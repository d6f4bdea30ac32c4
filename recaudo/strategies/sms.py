"""SMS length: which encoding a text needs and how many segments it costs.

GSM 03.38 (GSM-7): 160 septets in one segment, 153 per segment when concatenated (the user data
header takes the rest). Characters of the extension table are sent as an escape plus the
character, so they cost two septets, and a pair is never split across segments. A text with any
character outside both tables goes as UCS-2: 70 UTF-16 code units in one segment, 67 per segment
when concatenated; a surrogate pair (an emoji) costs two units and is never split.
"""

from dataclasses import dataclass
from typing import Literal

# The basic character set of GSM 03.38 (the escape, 0x1B, is not a character of its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE = 160
GSM7_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsLength:
    encoding: Encoding
    # Septets for GSM-7, UTF-16 code units for UCS-2.
    units: int
    segments: int
    # Characters that forced UCS-2 (empty for GSM-7), in order of appearance, without repeats.
    non_gsm_characters: tuple[str, ...] = ()


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _gsm7_costs(text: str) -> list[int]:
    return [2 if char in GSM7_EXTENSION else 1 for char in text]


def _ucs2_costs(text: str) -> list[int]:
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _segments(costs: list[int], single: int, multi: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def sms_length(text: str) -> SmsLength:
    """Encoding, units and segments of ``text`` as one SMS (an empty text is 0 segments)."""
    if is_gsm7(text):
        costs = _gsm7_costs(text)
        return SmsLength("GSM-7", sum(costs), _segments(costs, GSM7_SINGLE, GSM7_MULTI))
    costs = _ucs2_costs(text)
    offending = tuple(
        dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION)
    )
    return SmsLength("UCS-2", sum(costs), _segments(costs, UCS2_SINGLE, UCS2_MULTI), offending)


# Letters outside GSM-7 replaced by their closest GSM-7 letter: Spanish and Portuguese accents
# (é, ñ, ü and à are already in the basic set), typographic quotes and dashes, no-break spaces.
_TO_GSM7 = str.maketrans(
    {
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "Á": "A",
        "Í": "I",
        "Ó": "O",
        "Ú": "U",
        "â": "a",
        "ê": "e",
        "ô": "o",
        "ã": "a",
        "õ": "o",
        "ç": "c",
        "Â": "A",
        "Ê": "E",
        "Ô": "O",
        "Ã": "A",
        "Õ": "O",
        "È": "E",
        "Ì": "I",
        "Ò": "O",
        "Ù": "U",
        "À": "A",
        "ï": "i",
        "Ï": "I",
        "ë": "e",
        "Ë": "E",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "«": '"',
        "»": '"',
    }
)


def to_gsm7(text: str) -> str:
    """``text`` with accented letters outside GSM-7 replaced (``aquí`` -> ``aqui``), so a
    Spanish SMS costs 160 characters a segment instead of 70. Characters with no GSM-7 form
    (emoji) are kept, and the text then still goes as UCS-2."""
    return text.translate(_TO_GSM7)
