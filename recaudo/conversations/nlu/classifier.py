"""The intent classifier: TF-IDF character and word n-grams into a linear model (scikit-learn).

Training is deterministic (sorted, de-duplicated data; fixed seed) and takes about a second on
two cores. The trained model is kept in the process after first use and, when
``settings.RECAUDO_NLU_CACHE_DIR`` is set, on disk under a name made of the fingerprint of the
training data, the scikit-learn version and the feature version; a file is loaded only when
its header carries that same fingerprint and a matching SHA-256 of its body.
"""

import hashlib
import logging
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from .text import normalize
from .training import Example, fingerprint, training_examples

logger = logging.getLogger(__name__)

# Bump when the features or the model change in a way the training data's hash cannot see.
FEATURES_VERSION = "2"
SEED = 20261201


class IntentModel:
    """A trained classifier; ``rank`` is the fast path used for every customer message."""

    def __init__(
        self,
        vectorizers: Sequence[TfidfVectorizer],
        model: SGDClassifier,
        *,
        fingerprint: str,
        training_seconds: float,
    ) -> None:
        self.vectorizers = tuple(vectorizers)
        self.model = model
        self.classes: tuple[str, ...] = tuple(str(label) for label in model.classes_)
        self.fingerprint = fingerprint
        self.training_seconds = training_seconds
        # The linear part as plain arrays, split per vectorizer, so that one message costs a
        # few dictionary look-ups and a small product instead of scikit-learn's per-call checks.
        coefficients = np.ascontiguousarray(model.coef_.T)
        self._blocks: list[tuple[Any, dict[str, int], np.ndarray, np.ndarray]] = []
        offset = 0
        for vectorizer in self.vectorizers:
            width = len(vectorizer.vocabulary_)
            self._blocks.append(
                (
                    vectorizer.build_analyzer(),
                    vectorizer.vocabulary_,
                    np.asarray(vectorizer.idf_),
                    coefficients[offset : offset + width],
                )
            )
            offset += width
        self._intercepts = np.asarray(model.intercept_)

    def _scores(self, normalized: str) -> np.ndarray:
        """Decision scores for one normalised text: TF-IDF with sublinear tf and L2 norm per
        vectorizer (what ``TfidfVectorizer.transform`` computes), then the linear model."""
        scores = self._intercepts.copy()
        for analyzer, vocabulary, idf, block in self._blocks:
            counts: dict[int, int] = {}
            for term in analyzer(normalized):
                index = vocabulary.get(term)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * idf[indices]
            weights /= np.sqrt(weights @ weights)
            scores += weights @ block[indices]
        return scores

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        normalized = [normalize(text) for text in texts]
        return sparse.hstack(
            [vectorizer.transform(normalized) for vectorizer in self.vectorizers], format="csr"
        )

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per intent in ``classes`` order; rows sum to 1.

        Same numbers as ``SGDClassifier.predict_proba`` for the log loss (one-vs-rest
        logistic scores, normalised), computed without scikit-learn's per-call checks."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        scores = np.vstack([self._scores(normalize(text)) for text in texts])
        probabilities = 1.0 / (1.0 + np.exp(-np.asarray(scores)))
        totals = probabilities.sum(axis=1, keepdims=True)
        totals[totals == 0] = 1.0
        return np.asarray(probabilities / totals)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every intent with its probability, best first (ties by intent name)."""
        row = self.probabilities([text])[0]
        return sorted(
            (
                (intent, float(probability))
                for intent, probability in zip(self.classes, row, strict=True)
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )

    def predict(self, texts: Sequence[str]) -> list[str]:
        rows = self.probabilities(texts)
        return [self.classes[int(index)] for index in rows.argmax(axis=1)]


def _vectorizers() -> list[TfidfVectorizer]:
    return [
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, dtype=np.float64
        ),
        TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            token_pattern=r"(?u)\b\w+\b",
            sublinear_tf=True,
            dtype=np.float64,
        ),
    ]


def _classifier() -> SGDClassifier:
    return SGDClassifier(
        loss="log_loss",
        alpha=1e-5,
        max_iter=20,
        tol=None,
        random_state=SEED,
        n_jobs=1,
    )


def _settings_text() -> str:
    """Every parameter of the features and the model, so that changing one renames the cache."""
    parts = [sorted(vectorizer.get_params().items()) for vectorizer in _vectorizers()]
    parts.append(sorted(_classifier().get_params().items()))
    return repr(parts)


def model_fingerprint(examples: Sequence[Example]) -> str:
    """The hash that names a model: its examples (in any order), scikit-learn's version, the
    feature version and every feature and model parameter."""
    ordered = tuple(sorted(examples, key=lambda example: (example.intent, example.text)))
    return fingerprint(
        ordered, f"scikit-learn={sklearn.__version__}", FEATURES_VERSION, _settings_text()
    )


def train(examples: Sequence[Example]) -> IntentModel:
    """A model trained on ``examples`` (any order: they are sorted first)."""
    ordered = sorted(examples, key=lambda example: (example.intent, example.text))
    started = time.perf_counter()
    texts = [normalize(example.text) for example in ordered]
    labels = [example.intent for example in ordered]
    vectorizers = _vectorizers()
    matrix = sparse.hstack(
        [vectorizer.fit_transform(texts) for vectorizer in vectorizers], format="csr"
    )
    model = _classifier()
    model.fit(matrix, labels)
    seconds = time.perf_counter() - started
    return IntentModel(
        vectorizers,
        model,
        fingerprint=model_fingerprint(ordered),
        training_seconds=seconds,
    )


# --- caching ------------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: IntentModel | None = None
_MAGIC = b"recaudo-intent-model\n"


def _cache_dir() -> Path | None:
    from django.conf import settings

    configured = getattr(settings, "RECAUDO_NLU_CACHE_DIR", None)
    return Path(configured) if configured else None


def cache_path(directory: Path, model_hash: str) -> Path:
    return directory / f"intent-model-{model_hash}.pickle"


def save(model: IntentModel, directory: Path) -> Path:
    """Write the model atomically: a header (magic, fingerprint, SHA-256 of the body), then
    the pickled body."""
    body = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(body).hexdigest()
    directory.mkdir(parents=True, exist_ok=True)
    path = cache_path(directory, model.fingerprint)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".intent-model-")
    with os.fdopen(handle, "wb") as file:
        file.write(_MAGIC + f"{model.fingerprint}\n{digest}\n".encode("ascii") + body)
    os.replace(temporary, path)
    for stale in directory.glob("intent-model-*.pickle"):  # models of older data
        if stale != path:
            stale.unlink(missing_ok=True)
    return path


def load(directory: Path, expected_fingerprint: str) -> IntentModel | None:
    """The cached model for ``expected_fingerprint``, or None when there is none or the file
    does not carry exactly that fingerprint and a body with the declared SHA-256."""
    path = cache_path(directory, expected_fingerprint)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if not raw.startswith(_MAGIC):
        return None
    header_end = raw.find(b"\n", len(_MAGIC))
    digest_end = raw.find(b"\n", header_end + 1)
    if header_end < 0 or digest_end < 0:
        return None
    stored_fingerprint = raw[len(_MAGIC) : header_end].decode("ascii", "replace")
    stored_digest = raw[header_end + 1 : digest_end].decode("ascii", "replace")
    body = raw[digest_end + 1 :]
    if stored_fingerprint != expected_fingerprint:
        return None
    if hashlib.sha256(body).hexdigest() != stored_digest:
        return None
    try:
        model = pickle.loads(body)  # our own file: fingerprint and digest checked above
    except Exception:  # a file from an incompatible build: train again
        logger.warning("Ignoring an unreadable intent model cache file: %s", path)
        return None
    if not isinstance(model, IntentModel) or model.fingerprint != expected_fingerprint:
        return None
    return model


def get_model() -> IntentModel:
    """The model for the packaged training data: trained (or read from the disk cache) once
    per process, then kept."""
    global _loaded
    model = _loaded
    if model is not None:
        return model
    with _lock:
        if _loaded is not None:
            return _loaded
        examples = training_examples()
        expected = model_fingerprint(examples)
        directory = _cache_dir()
        model = load(directory, expected) if directory else None
        if model is None:
            model = train(examples)
            logger.info(
                "Trained the intent model on %d examples in %.2f s",
                len(examples),
                model.training_seconds,
            )
            if directory:
                try:
                    save(model, directory)
                except OSError as error:
                    logger.warning("Could not write the intent model cache: %s", error)
        _warm_up_entities()
        _loaded = model
        return model


def _warm_up_entities() -> None:
    """Load dateparser's Spanish data now (a few hundred ms, once) rather than in the first
    customer request that says "dentro de 8 días"."""
    import datetime

    from .entities import extract_entities

    extract_entities("dentro de 2 dias", today=datetime.date(2000, 1, 1))


def forget_model() -> None:
    """Drop the in-process model (tests)."""
    global _loaded
    with _lock:
        _loaded = None
