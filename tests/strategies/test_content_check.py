import pytest

from recaudo.strategies.content_check import check_content, normalise

OK_SMS = (
    "Hola, María. Le escribe Banco Andino. Su cuenta tiene $150.000 pendientes. "
    "Responda BAJA para no recibir más mensajes por este medio."
)


def codes(text: str, **options: object) -> list[str]:
    arguments = {"channel": "sms", "country": "CO"} | options
    return [finding.code for finding in check_content(text, **arguments)]  # type: ignore[arg-type]


def test_a_friendly_message_passes() -> None:
    assert codes(OK_SMS, creditor_name="Banco Andino") == []


def test_normalise_keeps_positions() -> None:
    text = "CÁRCEL y Ñandú"
    assert normalise(text) == "carcel y nandu"
    assert len(normalise(text)) == len(text)


@pytest.mark.parametrize(
    "phrase",
    [
        "Procederemos al EMBARGO de sus bienes.",
        "Si no paga, lo vamos a demandar.",
        "Podría terminar en la cárcel.",
        "Podria terminar en la carcel.",
        "Atienda esto o habrá consecuencias.",
        "Su familia se enterará de esta deuda.",
        "Sus vecinos sabrán que usted no paga.",
    ],
)
def test_threats_are_refused_whatever_the_case_or_accents(phrase: str) -> None:
    findings = check_content(f"{OK_SMS} {phrase}", channel="sms", country="CL")
    assert [f.code for f in findings] == ["threat"]
    # The excerpt is the original text, accents and case as written.
    assert findings[0].excerpt in phrase


@pytest.mark.parametrize(
    "phrase",
    [
        "Este es un aviso del juzgado.",
        "Existe una ORDEN JUDICIAL.",
        "Citación para el próximo lunes.",
        "Notificación judicial número 45.",
        "Hay una demanda en su contra.",
        "Última advertencia antes de actuar.",
    ],
)
def test_court_like_language_is_refused(phrase: str) -> None:
    assert codes(f"{OK_SMS} {phrase}", country="PE") == ["judicial_language"]


@pytest.mark.parametrize(
    "phrase",
    [
        "¿Por qué no ha pagado?",
        "Cuéntenos por qué no pagó su cuota.",
        "¿Cuál es el motivo de su atraso?",
        "Indíquenos la razón del incumplimiento.",
        "POR QUE NO HA PAGADO",
    ],
)
def test_asking_why_is_refused_in_colombia_only(phrase: str) -> None:
    assert codes(f"{OK_SMS} {phrase}", country="CO") == ["asks_why_not_paid"]
    assert codes(f"{OK_SMS} {phrase}", country="MX") == []


def test_sin_embargo_is_not_a_threat() -> None:
    assert codes(f"{OK_SMS} Sin embargo, podemos ayudarle.") == []
    assert codes(f"{OK_SMS} Evite el embargo.") == ["threat"]


def test_mentioning_reasons_without_asking_is_fine() -> None:
    text = f"{OK_SMS} Entendemos que el motivo de su atraso puede ser temporal."
    assert codes(text, country="CO") == []


def test_mexico_requires_the_creditor_name_at_first_contact() -> None:
    text = "Hola, María. Su cuenta tiene $1,500.00 pendientes."
    assert codes(text, country="MX", first_contact=True, creditor_name="Banco Andino") == [
        "missing_identity"
    ]
    assert codes(text, country="MX", first_contact=False, creditor_name="Banco Andino") == []
    named = text + " Le escribe BANCO ANDINO."
    assert codes(named, country="MX", first_contact=True, creditor_name="Banco Andino") == []


def test_brazil_always_requires_the_creditor_name() -> None:
    assert codes("Olá", country="BR-SP", creditor_name="Banco Andino") == ["missing_identity"]


def test_the_us_requires_the_debt_collector_disclosure_and_opt_out() -> None:
    text = "Hola, María. Su cuenta tiene $120.00 pendientes."
    assert codes(text, country="US", first_contact=True) == [
        "missing_debt_collector_disclosure",
        "missing_debt_collector_disclosure",
        "missing_opt_out",
    ]
    disclosed = (
        text + " Banco Andino, cobrador de deudas (debt collector). Este es un intento de "
        "cobrar una deuda y la información obtenida se usará con ese fin. Responda STOP."
    )
    assert codes(disclosed, country="US-MA", first_contact=True) == []


@pytest.mark.parametrize(
    ("channel", "needed"),
    [
        ("sms", True),
        ("whatsapp", True),
        ("email", True),
        ("voice", False),
        ("letter", False),
        ("push", False),
    ],
)
def test_colombia_requires_an_opt_out_on_electronic_messages(channel: str, needed: bool) -> None:
    text = "Hola, María. Le escribe Banco Andino."
    assert codes(text, channel=channel, country="CO") == (["missing_opt_out"] if needed else [])
    assert codes(text, channel=channel, country="CL") == []


def test_findings_are_in_spanish() -> None:
    (finding,) = check_content(f"{OK_SMS} Embargo.", channel="sms", country="CO")
    assert "amenaza" in finding.message.lower()
    assert finding.excerpt == "Embargo"


@pytest.mark.parametrize(
    "text",
    [
        "Su cuota ahora es más baja: pague sin consecuencias en su historial.",
        "Consulte su expediente de crédito en la app.",
    ],
)
def test_ordinary_words_are_neither_threats_nor_opt_out_text(text: str) -> None:
    # Colombia requires opt-out text on SMS: "más baja" is not one.
    assert codes(text, country="CO") == ["missing_opt_out"]
