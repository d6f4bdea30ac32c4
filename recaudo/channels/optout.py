"""Is this reply a request to stop writing? Keyword and phrase detection, no Django.

Two kinds of match, on the text lower-cased, without accents and punctuation:

- a **keyword** that is the whole reply, give or take a courtesy word ("STOP", "Baja por
  favor", "cancelar, gracias"): a keyword inside a longer sentence ("necesito la baja de
  intereses") is not an opt-out;
- a **phrase** anywhere in the reply ("por favor no me escriban más", "dejen de escribirme").

Sentences that merely contain "no" ("no puedo pagar hasta el viernes") never match.
"""

import re
import unicodedata

KEYWORDS = frozenset(
    {
        # Spanish
        "baja",
        "darme de baja",
        "dar de baja",
        "cancelar",
        "parar",
        "alto",
        "detener",
        "salir",
        "basta",
        # English, the carriers' standard words
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        # Portuguese (Brazil)
        "sair",
        "pare",
        "descadastrar",
    }
)

PHRASES = (
    "no me escriban",
    "no me escribas",
    "no me escriba",
    "no me vuelvan a escribir",
    "no me contacten",
    "no me contactes",
    "no me contacte",
    "no me vuelvan a contactar",
    "no me llamen",
    "no me envien mas",
    "no me manden mas",
    "no quiero recibir mensajes",
    "no quiero recibir mas mensajes",
    "no quiero recibir sus mensajes",
    "no quiero recibir estos mensajes",
    "no quiero mas mensajes",
    "no quiero que me escriban",
    "no quiero que me contacten",
    "cancelar suscripcion",
    "cancelar la suscripcion",
    "cancelar mi suscripcion",
    "anular suscripcion",
    "dejen de escribirme",
    "dejen de enviarme",
    "dejen de contactarme",
    "dejen de llamarme",
    "dejen de molestarme",
    "deja de escribirme",
    "darme de baja",
    "dar de baja mi numero",
    "nao quero receber",
    "parem de me enviar",
    "pare de me enviar",
)

# Words that may surround a keyword without making it part of a sentence.
COURTESY = frozenset({"por", "favor", "porfa", "porfavor", "gracias", "ya", "please", "ok", "si"})


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", without_accents))


def is_opt_out(text: str) -> bool:
    normalised = normalise(text)
    if not normalised:
        return False
    words = [word for word in normalised.split() if word not in COURTESY]
    if " ".join(words) in KEYWORDS:
        return True
    padded = f" {normalised} "
    return any(f" {phrase} " in padded for phrase in PHRASES)
