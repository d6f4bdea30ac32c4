"""Optional fallback: ask an OpenAI-compatible chat model to pick the intent.

Off unless ``settings.RECAUDO_LLM_URL`` is set (the base URL; ``/v1/chat/completions`` is
appended unless the URL already ends with it). It is only asked when the local classifier is
unsure, it may only answer with one of INTENTS (anything else, a timeout or an HTTP error keeps
the local answer), and it never sees or produces amounts, dates or account data: the message
text is all it gets.
"""

import logging
import re

import httpx
from django.conf import settings

from recaudo.lib import http

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(connect=1.0, read=3.0, write=3.0, pool=1.0)

DESCRIPTIONS = {
    "saludo": "greets, nothing else",
    "consultar_saldo": "asks how much they owe",
    "consultar_vencimiento": "asks when a payment is due",
    "solicitar_estado_cuenta": "asks for a statement or payment history in writing",
    "pagar": "wants to pay now or asks for the payment link",
    "medios_de_pago": "asks where or how one can pay",
    "prometer_pago": "commits to pay on a later date",
    "plan_de_pagos": "asks for instalments, refinancing or a discount",
    "no_puedo_pagar": "says they cannot pay",
    "ya_pague": "says they already paid",
    "no_reconozco_deuda": "disputes the debt (not theirs, wrong amount, fraud)",
    "hablar_con_asesor": "wants a human adviser",
    "no_contactar": "asks not to be contacted any more",
    "cambiar_preferencias": "changes contact channel, hours or contact data",
    "despedida": "says goodbye or thanks",
    "afirmar": "says yes",
    "negar": "says no",
    "fuera_de_alcance": "anything else",
}


def is_configured() -> bool:
    return bool(getattr(settings, "RECAUDO_LLM_URL", ""))


def endpoint() -> str:
    base = str(settings.RECAUDO_LLM_URL).rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


def prompt(ranking: tuple[tuple[str, float], ...]) -> str:
    from .understanding import INTENTS

    lines = [f"- {intent}: {DESCRIPTIONS[intent]}" for intent in INTENTS]
    hint = ", ".join(intent for intent, _ in ranking)
    return (
        "You classify one message a customer wrote (in Spanish, possibly with slang or typos) "
        "to a debt collection assistant. Answer with exactly one intent name from this list "
        "and nothing else:\n" + "\n".join(lines) + (f"\nLikely candidates: {hint}." if hint else "")
    )


def choose_intent(text: str, *, ranking: tuple[tuple[str, float], ...] = ()) -> str | None:
    """The model's intent for ``text``, or None (not configured, error, or not an intent)."""
    if not is_configured():
        return None
    from .understanding import INTENTS

    headers = {"Content-Type": "application/json"}
    api_key = getattr(settings, "RECAUDO_LLM_API_KEY", "")
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    body = {
        "model": getattr(settings, "RECAUDO_LLM_MODEL", "") or "default",
        "temperature": 0,
        "max_tokens": 12,
        "messages": [
            {"role": "system", "content": prompt(ranking)},
            {"role": "user", "content": text[:500]},
        ],
    }
    try:
        response = http.post_json(endpoint(), json=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        logger.warning("Language model unreachable: %s", type(error).__name__)
        return None
    if response.status_code != 200:
        logger.warning("Language model answered HTTP %s", response.status_code)
        return None
    data = http.response_json(response)
    try:
        content = str(data["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError):
        return None
    answer = re.sub(r"[^a-z_]", "", content.strip().lower())
    return answer if answer in INTENTS else None
