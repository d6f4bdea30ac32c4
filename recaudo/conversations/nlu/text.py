"""Text normalisation shared by the classifier and the entity extractor."""

import re
import unicodedata

_REPEATED = re.compile(r"([^\W\d])\1{2,}")  # "holaaaa" -> "hola", "siiii" -> "si"
_DOUBLE_VOWEL_AT_END = re.compile(r"([aeiouy])\1\b")  # "noo" -> "no", "sii" -> "si"
_DIGITS = re.compile(r"\d+")
_PUNCTUATION = re.compile(r"[¿?¡!.,;:()\[\]{}\"'«»/\\\-_*+=#%&|~^<>]")
# Emoji and other symbols add one word to the text: the gesture's meaning for the few that
# answer yes, no or hello, "emoji" for the rest. A symbol the data has never seen ("🐶") then
# still has a feature instead of none (which only the classes' intercepts would decide).
_EMOJI_WORDS = {
    **dict.fromkeys("👍👌✅✔☑🙌💪🆗👏", "emojisi"),
    **dict.fromkeys("👎❌✖🚫🙅⛔", "emojino"),
    **dict.fromkeys("👋🙋", "emojihola"),
}
EMOJI_WORD = "emoji"


def fold(text: str) -> str:
    """Lower case without accents ("Mañana Sí" -> "manana si"); spacing is kept as it is."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(text: str) -> str:
    """What the classifier sees: folded, repeated letters squeezed, every number as "0",
    punctuation dropped, single spaces, and one word for the first emoji when there is one
    ("emojisi", "emojino", "emojihola" or "emoji"). Amounts and dates are the extractor's business, so
    "pago el 15" and "pago el 30" look the same to the model."""
    text = fold(text)
    text = _REPEATED.sub(r"\1", text)
    text = _DOUBLE_VOWEL_AT_END.sub(r"\1", text)
    text = _DIGITS.sub("0", text)
    text = _PUNCTUATION.sub(" ", text)
    symbols = [char for char in text if unicodedata.category(char) == "So"]
    if symbols:
        text += " " + _EMOJI_WORDS.get(symbols[0], EMOJI_WORD)
    return " ".join(text.split())
