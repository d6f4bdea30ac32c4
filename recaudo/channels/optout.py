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
        # Not "cancelar": in Latin America "cancelar" a debt is to pay it ("sí, cancelar").
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
    "dejen de molestarme",
    "deja de escribirme",
    "darme de baja",
    "dar de baja mi numero",
    "nao quero receber",
    "parem de me enviar",
    "pare de me enviar",
)

# Asking for no more calls, whatever channel the words come on: only calls stop
# ("no me llamen, mejor escríbanme por aquí").
CALL_PHRASES = (
    "no me llamen",
    "no me llames",
    "no me llame",
    "no me vuelvan a llamar",
    "dejen de llamarme",
    "deja de llamarme",
    "no quiero llamadas",
    "no quiero que me llamen",
)
VOICE = "voice"

# Words that may surround a keyword without making it part of a sentence.
COURTESY = frozenset({"por", "favor", "porfa", "porfavor", "gracias", "ya", "please", "ok", "si"})


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", without_accents))


def opted_out_channel(text: str, channel: str) -> str | None:
    """The channel this reply, received on ``channel``, asks us to stop using; None if none."""
    if is_opt_out(text):
        return channel
    padded = f" {normalise(text)} "
    if any(f" {phrase} " in padded for phrase in CALL_PHRASES):
        return VOICE
    return None


def is_opt_out(text: str) -> bool:
    normalised = normalise(text)
    if not normalised:
        return False
    words = [word for word in normalised.split() if word not in COURTESY]
    if " ".join(words) in KEYWORDS:
        return True
    padded = f" {normalised} "
    return any(f" {phrase} " in padded for phrase in PHRASES)
