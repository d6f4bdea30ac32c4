"""``understand``: the intent (local classifier, optionally a language model when unsure) and
the entities (always the deterministic extractor)."""

import datetime
from dataclasses import dataclass

from .classifier import get_model
from .entities import Entities, extract_entities

INTENTS: tuple[str, ...] = (
    "saludo",
    "consultar_saldo",
    "consultar_vencimiento",
    "solicitar_estado_cuenta",
    "pagar",
    "medios_de_pago",
    "prometer_pago",
    "plan_de_pagos",
    "no_puedo_pagar",
    "ya_pague",
    "no_reconozco_deuda",
    "hablar_con_asesor",
    "no_contactar",
    "cambiar_preferencias",
    "despedida",
    "afirmar",
    "negar",
    "fuera_de_alcance",
)

# Under this probability the assistant asks a short clarifying question with options instead
# of acting. Chosen on the held-out split (`recaudo assistant evaluate` prints the table): at
# 0.50 about 95 % of messages are answered directly and 93 % of those are right (91 % with no
# threshold); 0.60 would more than double the clarifying questions (11 %) for two more points. See
# docs/assistant-nlu.md.
CONFIDENCE_THRESHOLD: float = 0.5

FALLBACK_INTENT = "fuera_de_alcance"
RANKING_SIZE = 3


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float
    entities: Entities
    ranking: tuple[tuple[str, float], ...]  # best first, top 3


def classify(text: str) -> tuple[str, float, tuple[tuple[str, float], ...]]:
    """The local classifier's answer: (intent, probability, top three)."""
    if not text.strip():
        return FALLBACK_INTENT, 0.0, ()
    ranking = get_model().rank(text)[:RANKING_SIZE]
    intent, confidence = ranking[0]
    return intent, confidence, tuple(ranking)


def understand(text: str, *, today: datetime.date) -> Understanding:
    """What the customer wants and the entities in the message.

    When the local classifier is under CONFIDENCE_THRESHOLD and a language model is configured
    (settings.RECAUDO_LLM_URL), the model may pick the intent among INTENTS; its answer then
    gets a confidence of exactly CONFIDENCE_THRESHOLD (enough to act on, and recognisable as
    the fallback's). Entities always come from ``extract_entities``."""
    intent, confidence, ranking = classify(text)
    if confidence < CONFIDENCE_THRESHOLD and text.strip():
        from .llm import choose_intent

        chosen = choose_intent(text, ranking=ranking)
        if chosen is not None and chosen != intent:
            intent, confidence = chosen, CONFIDENCE_THRESHOLD
            ranking = ((chosen, confidence), *(pair for pair in ranking if pair[0] != chosen))[
                :RANKING_SIZE
            ]
        elif chosen is not None:
            confidence = max(confidence, CONFIDENCE_THRESHOLD)
            ranking = ((intent, confidence), *ranking[1:])
    return Understanding(
        intent=intent,
        confidence=confidence,
        entities=extract_entities(text, today=today),
        ranking=ranking,
    )
