"""The intent classifier: data, determinism, realistic messages per country, held-out F1,
the disk cache and ``understand``."""

import datetime as dt
from pathlib import Path

import pytest

from recaudo.conversations.nlu import (
    CONFIDENCE_THRESHOLD,
    INTENTS,
    Understanding,
    classifier,
    understand,
)
from recaudo.conversations.nlu.evaluation import MINIMUM_MACRO_F1, evaluate, split
from recaudo.conversations.nlu.text import normalize
from recaudo.conversations.nlu.training import (
    DATA_DIR,
    Example,
    TrainingDataError,
    read_examples,
    training_examples,
)

TODAY = dt.date(2026, 12, 1)

# Messages written for this test (none is in the training data), by country.
REALISTIC = {
    "Colombia": [
        ("buenas tardes, cuánta plata le debo a ustedes?", "consultar_saldo"),
        ("parce me quedé sin chamba, no tengo cómo pagarles", "no_puedo_pagar"),
        ("el viernes le consigno sin falta", "prometer_pago"),
        ("se puede pagar por nequi o daviplata?", "medios_de_pago"),
        ("listo, hágale", "afirmar"),
        ("ya consigné ayer en el banco", "ya_pague"),
    ],
    "México": [
        ("qué onda, cuánta lana debo?", "consultar_saldo"),
        ("nel, así no", "negar"),
        ("simón, así está bien", "afirmar"),
        ("le pago en la quincena, va?", "prometer_pago"),
        ("puedo pagar en el oxxo de la esquina?", "medios_de_pago"),
        ("ya no me marquen por favor", "no_contactar"),
    ],
    "Chile": [
        ("wena, me quedé sin pega", "no_puedo_pagar"),
        ("quiero repactar la deuda en cuotas", "plan_de_pagos"),
        ("me mandan la cartola al correo?", "solicitar_estado_cuenta"),
        ("ya po, dale", "afirmar"),
        ("esa deuda no es mía, yo nunca saqué esa tarjeta", "no_reconozco_deuda"),
    ],
    "Perú": [
        ("causa, ya te yapeé la cuota", "ya_pague"),
        ("aceptan yape o plin?", "medios_de_pago"),
        ("quiero hablar con un asesor pe", "hablar_con_asesor"),
        ("¿cuándo se vence la cuota de este mes?", "consultar_vencimiento"),
        ("muchas gracias, chau chau", "despedida"),
    ],
    "Argentina": [
        ("che, ¿cuánta guita debo?", "consultar_saldo"),
        ("¿me podés pasar el link para pagar ahora?", "pagar"),
        ("dejá de escribirme, por favor", "no_contactar"),
        ("¿tenés el cbu para transferir?", "medios_de_pago"),
        ("prefiero que me escriban por mail", "cambiar_preferencias"),
        ("hola, muy buen día tengan", "saludo"),
    ],
}


def test_the_intents_are_the_issues_and_each_has_training_data() -> None:
    assert len(INTENTS) == 18
    files = sorted(path.stem for path in DATA_DIR.glob("*.yaml"))
    assert files == sorted(INTENTS)
    counts = {intent: 0 for intent in INTENTS}
    for example in training_examples():
        counts[example.intent] += 1
    assert min(counts.values()) >= 100, counts


def test_training_data_is_sorted_and_deduplicated() -> None:
    examples = training_examples()
    keys = [(example.intent, normalize(example.text)) for example in examples]
    assert keys == sorted(keys)
    assert len({normalize(example.text) for example in examples}) == len(examples)


def test_a_text_in_two_intents_is_refused(tmp_path: Path) -> None:
    (tmp_path / "afirmar.yaml").write_text("intent: afirmar\nexamples:\n  - sí\n")
    (tmp_path / "negar.yaml").write_text("intent: negar\nexamples:\n  - Si!\n  - no\n")
    with pytest.raises(TrainingDataError, match="also an example of 'afirmar'"):
        read_examples(tmp_path)


def test_yes_and_no_stay_strings(tmp_path: Path) -> None:
    (tmp_path / "negar.yaml").write_text("intent: negar\nexamples:\n  - no\n  - off\n")
    assert [example.text for example in read_examples(tmp_path)] == ["no", "off"]


def test_normalisation() -> None:
    assert normalize("¡Holaaaa! ¿Cuánto DEBO?") == "hola cuanto debo"
    assert normalize("Sííí") == "si"
    assert normalize("noo") == "no"
    assert normalize("pago el 15 y el 30") == "pago el 0 y el 0"
    assert normalize("te pago mañana") == "te pago manana"


def test_training_is_deterministic() -> None:
    examples = training_examples()
    training, held_out = split(examples)
    first = classifier.train(training)
    second = classifier.train(list(reversed(training)))
    texts = [example.text for example in held_out]
    assert first.predict(texts) == second.predict(texts)
    assert (first.probabilities(texts) == second.probabilities(texts)).all()


def test_the_fast_path_matches_scikit_learn() -> None:
    model = classifier.get_model()
    texts = ["hola quiero pagar", "cuánto debo", "🤣", "", "zzzz"]
    fast = model.probabilities(texts)
    reference = model.model.predict_proba(model.features(texts))
    assert abs(fast - reference).max() < 1e-9


@pytest.mark.parametrize(
    ("country", "text", "expected"),
    [(country, text, intent) for country, pairs in REALISTIC.items() for text, intent in pairs],
)
def test_realistic_messages(country: str, text: str, expected: str) -> None:
    known = {normalize(example.text) for example in training_examples()}
    assert normalize(text) not in known, "the test messages must be new to the model"
    assert understand(text, today=TODAY).intent == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hola quiero pagar", "pagar"),
        ("buenas, cuánto debo?", "consultar_saldo"),
        ("hola, no puedo pagar, me quedé sin trabajo", "no_puedo_pagar"),
        ("gracias, te pago el viernes", "prometer_pago"),
    ],
)
def test_several_intents_in_one_message_give_the_actionable_one(text: str, expected: str) -> None:
    assert understand(text, today=TODAY).intent == expected


def test_understand_returns_intent_confidence_ranking_and_entities() -> None:
    result = understand("te pago 200 mil el viernes", today=TODAY)
    assert isinstance(result, Understanding)
    assert result.intent == "prometer_pago"
    assert CONFIDENCE_THRESHOLD <= result.confidence <= 1
    assert len(result.ranking) == 3
    assert result.ranking[0] == (result.intent, result.confidence)
    assert [score for _, score in result.ranking] == sorted(
        (score for _, score in result.ranking), reverse=True
    )
    assert result.entities.as_json() == {"date": "2026-12-04", "amount": "200000"}


def test_an_empty_message_is_out_of_scope_with_no_confidence() -> None:
    result = understand("   ", today=TODAY)
    assert (result.intent, result.confidence, result.ranking) == ("fuera_de_alcance", 0.0, ())


def test_gibberish_is_under_the_threshold_or_out_of_scope() -> None:
    result = understand("xkcd qwpoeiru zzz", today=TODAY)
    assert result.intent == "fuera_de_alcance" or result.confidence < CONFIDENCE_THRESHOLD


def test_held_out_macro_f1() -> None:
    result = evaluate()
    assert result.held_out_examples >= 18 * 20
    assert result.macro_f1 >= MINIMUM_MACRO_F1, (
        f"macro-F1 {result.macro_f1:.3f}; weakest: "
        + ", ".join(f"{s.intent} {s.f1:.2f}" for s in sorted(result.scores, key=lambda s: s.f1)[:3])
    )


def test_disk_cache_round_trip_and_refusals(tmp_path: Path) -> None:
    examples = (
        Example("hola", "saludo"),
        Example("buenas", "saludo"),
        Example("cuanto debo", "consultar_saldo"),
        Example("saldo", "consultar_saldo"),
    )
    model = classifier.train(examples)
    path = classifier.save(model, tmp_path)
    assert path.name == f"intent-model-{model.fingerprint}.pickle"
    loaded = classifier.load(tmp_path, model.fingerprint)
    assert loaded is not None
    assert loaded.predict(["hola", "saldo"]) == model.predict(["hola", "saldo"])
    # Another fingerprint is never loaded, even from a file renamed to match it.
    other = "0" * 64
    assert classifier.load(tmp_path, other) is None
    path.rename(classifier.cache_path(tmp_path, other))
    assert classifier.load(tmp_path, other) is None
    # Saving removes models of other data.
    path = classifier.save(model, tmp_path)
    assert list(tmp_path.glob("intent-model-*")) == [path]
    # A body that does not match its recorded digest is refused.
    raw = path.read_bytes()
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    assert classifier.load(tmp_path, model.fingerprint) is None


def test_get_model_uses_the_disk_cache(tmp_path: Path, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_NLU_CACHE_DIR = str(tmp_path)
    current = classifier.get_model()
    try:
        classifier.forget_model()
        classifier.save(current, tmp_path)

        def refuse(examples: object) -> None:
            raise AssertionError("must not train: the cache holds this model")

        monkeypatch.setattr(classifier, "train", refuse)
        assert classifier.get_model().fingerprint == current.fingerprint
    finally:
        classifier.forget_model()
        monkeypatch.undo()
        classifier._loaded = current


def test_the_fingerprint_depends_on_the_data() -> None:
    one = classifier.model_fingerprint((Example("hola", "saludo"),))
    two = classifier.model_fingerprint((Example("hola!", "saludo"),))
    assert one != two
