import pytest

from recaudo.channels.optout import is_opt_out, opted_out_channel


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", True),
        ("stop", True),
        (" Stop. ", True),
        ("BAJA", True),
        ("baja por favor", True),
        ("Baja, gracias", True),
        ("no me escriban", True),
        ("No me escriban más, por favor", True),
        ("Por favor NO ME ESCRIBAN", True),
        ("no me contacten", True),
        ("No quiero recibir mensajes", True),
        ("no quiero recibir más mensajes", True),
        ("cancelar suscripción", True),
        ("Quiero cancelar mi suscripción", True),
        ("dejen de escribirme", True),
        ("¡Dejen de escribirme!", True),
        ("Por favor darme de baja", True),
        ("UNSUBSCRIBE", True),
        ("Não quero receber", True),
        # Not opt-outs
        ("no puedo pagar hasta el viernes", False),
        ("No, gracias", False),
        ("no", False),
        ("necesito la baja de intereses", False),
        ("¿puedo pagar mañana? no me contestan en la oficina", False),
        ("quiero cancelar la deuda", False),
        ("stop loss", False),
        ("", False),
        ("👍", False),
        ("Sí quiero recibir mensajes", False),
        # "Cancelar" a debt is to pay it.
        ("Cancelar", False),
        ("Sí, cancelar", False),
        ("ya cancelé", False),
    ],
)
def test_opt_out_words(text: str, expected: bool) -> None:
    assert is_opt_out(text) is expected


@pytest.mark.parametrize(
    ("text", "channel", "stops"),
    [
        ("BAJA", "whatsapp", "whatsapp"),
        ("No me llamen, mejor escríbanme por aquí", "whatsapp", "voice"),
        ("dejen de llamarme", "sms", "voice"),
        ("no me escriban ni me llamen", "sms", "sms"),
        ("Pago el viernes", "sms", None),
    ],
)
def test_the_channel_a_reply_asks_to_stop(text: str, channel: str, stops: str | None) -> None:
    assert opted_out_channel(text, channel) == stops
