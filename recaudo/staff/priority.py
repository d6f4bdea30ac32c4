"""The order of the agents' queue: one formula for every task, whoever creates it."""

import math

STAGE_PRIORITY = {
    "legal_handoff": 4,
    "pre_legal": 3,
    "administrative": 2,
    "preventive": 1,
    "current": 0,
}


def task_priority(stage: str, balance_minor: int | None, score: float | None) -> int:
    """Higher first: stage, then the balance's order of magnitude, then a lower score."""
    magnitude = math.log10(max(balance_minor or 0, 0) + 1)
    return (
        STAGE_PRIORITY.get(stage, 0) * 100_000
        + int(magnitude * 1_000)
        + int((1 - (score if score is not None else 0.5)) * 100)
    )
