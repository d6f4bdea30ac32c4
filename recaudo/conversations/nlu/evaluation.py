"""Held-out evaluation of the intent classifier (``recaudo assistant evaluate`` and the test
that keeps macro-F1 at or above 0.90)."""

import time
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from .classifier import train
from .training import Example, training_examples

SPLIT_SEED = 0
HELD_OUT_FRACTION = 0.2
MINIMUM_MACRO_F1 = 0.90


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    coverage: float  # share of held-out messages at or above the threshold
    accuracy: float  # share of those that are right


@dataclass(frozen=True)
class Evaluation:
    scores: tuple[IntentScore, ...]
    macro_f1: float
    accuracy: float
    training_examples: int
    held_out_examples: int
    training_seconds: float
    thresholds: tuple[ThresholdRow, ...]
    errors: tuple[tuple[str, str, str, float], ...]  # (text, expected, predicted, confidence)


def split(
    examples: tuple[Example, ...], *, seed: int = SPLIT_SEED, fraction: float = HELD_OUT_FRACTION
) -> tuple[list[Example], list[Example]]:
    """A stratified (per intent) split: (training, held out)."""
    labels = [example.intent for example in examples]
    training, held_out = train_test_split(
        list(examples), test_size=fraction, stratify=labels, random_state=seed
    )
    return list(training), list(held_out)


def evaluate(examples: tuple[Example, ...] | None = None, *, seed: int = SPLIT_SEED) -> Evaluation:
    examples = training_examples() if examples is None else examples
    training, held_out = split(examples, seed=seed)
    started = time.perf_counter()
    model = train(training)
    seconds = time.perf_counter() - started
    texts = [example.text for example in held_out]
    expected = [example.intent for example in held_out]
    probabilities = model.probabilities(texts)
    best = probabilities.argmax(axis=1)
    predicted = [model.classes[int(index)] for index in best]
    confidences = probabilities.max(axis=1)
    intents = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=intents, zero_division=0
    )
    scores = tuple(
        IntentScore(intent, float(p), float(r), float(f), int(s))
        for intent, p, r, f, s in zip(intents, precision, recall, f1, support, strict=True)
    )
    right = np.array([a == b for a, b in zip(expected, predicted, strict=True)])
    thresholds = []
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7):
        accepted = confidences >= threshold
        thresholds.append(
            ThresholdRow(
                threshold=threshold,
                coverage=float(accepted.mean()),
                accuracy=float(right[accepted].mean()) if accepted.any() else 1.0,
            )
        )
    errors = tuple(
        (text, wanted, got, float(confidence))
        for text, wanted, got, confidence in zip(
            texts, expected, predicted, confidences, strict=True
        )
        if wanted != got
    )
    return Evaluation(
        scores=scores,
        macro_f1=float(np.mean([score.f1 for score in scores])),
        accuracy=float(right.mean()),
        training_examples=len(training),
        held_out_examples=len(held_out),
        training_seconds=seconds,
        thresholds=tuple(thresholds),
        errors=errors,
    )
