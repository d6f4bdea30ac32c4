"""The training data: one YAML file per intent in ``data/`` with an ``examples:`` list.

Files are read with PyYAML's ``BaseLoader`` so every example stays a string ("no", "si",
"ok" are not turned into booleans). Examples are de-duplicated after normalisation and sorted,
so the training set, and with it the model, depends only on the files' content.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .text import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"


class TrainingDataError(ValueError):
    """A training file that cannot be used (says which file and why)."""


@dataclass(frozen=True)
class Example:
    text: str  # as written in the file
    intent: str


def read_examples(directory: Path = DATA_DIR) -> tuple[Example, ...]:
    """Every example, sorted by (intent, normalised text), one per normalised text and intent.

    Raises TrainingDataError when a file is malformed or when the same normalised text is
    labelled with two intents (the model could not learn both)."""
    seen: dict[str, Example] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        except yaml.YAMLError as error:
            raise TrainingDataError(f"{path.name}: not valid YAML ({error})") from error
        if not isinstance(document, dict) or not isinstance(document.get("examples"), list):
            raise TrainingDataError(f"{path.name}: expected a mapping with an 'examples' list")
        intent = str(document.get("intent") or path.stem)
        if intent != path.stem:
            raise TrainingDataError(f"{path.name}: intent {intent!r} must match the file name")
        for text in document["examples"]:
            if not isinstance(text, str) or not text.strip():
                raise TrainingDataError(f"{path.name}: every example must be a non-empty text")
            key = normalize(text)
            previous = seen.get(key)
            if previous is not None and previous.intent != intent:
                raise TrainingDataError(
                    f"{path.name}: {text!r} is also an example of {previous.intent!r} "
                    f"(as {previous.text!r}); keep it in one intent only"
                )
            seen.setdefault(key, Example(text=text, intent=intent))
    examples = sorted(seen.values(), key=lambda example: (example.intent, normalize(example.text)))
    return tuple(examples)


@cache
def training_examples() -> tuple[Example, ...]:
    """The packaged training data, read once per process."""
    return read_examples(DATA_DIR)


def fingerprint(examples: tuple[Example, ...], *extra: str) -> str:
    """A SHA-256 of the examples (and any extra parts, e.g. library and feature versions)."""
    payload = json.dumps(
        [[example.intent, example.text] for example in examples] + [list(extra)],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
