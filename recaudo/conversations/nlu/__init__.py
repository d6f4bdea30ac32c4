"""Understanding customers' Spanish: intents (scikit-learn) and entities (rules).

See docs/assistant-nlu.md. The public interface::

    understand(text, *, today) -> Understanding(intent, confidence, entities, ranking)
    extract_entities(text, *, today) -> Entities(date, amount, document, reason, yes_no, reference)
"""

from .entities import Entities, extract_entities
from .understanding import CONFIDENCE_THRESHOLD, INTENTS, Understanding, understand

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "INTENTS",
    "Entities",
    "Understanding",
    "extract_entities",
    "understand",
]
