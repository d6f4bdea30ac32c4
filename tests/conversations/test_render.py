"""The assistant's replies per channel, the customer's answers read back, and the call TwiML."""

import dataclasses
import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.translation import gettext

from recaudo.channels.base import OutboundMessage
from recaudo.channels.providers.whatsapp_cloud.messages import build_request
from recaudo.conversations import render
from recaudo.conversations.replies import Option, Reply

PAY = Option("pay", "Pagar", url="https://recaudo.example.co/pay/abc")
BALANCE = Option("balance", "Ver saldo")
PLAN = Option("plan", "Plan de pagos")
ADVISER = Option("adviser", "Hablar con asesor")
MENU = Reply("¿Qué desea hacer?", (PAY, BALANCE, PLAN, ADVISER))


@pytest.fixture(autouse=True)
def _spanish() -> None:
    translation.activate("es")


def test_sms_numbers_the_options_and_writes_the_links() -> None:
    [(body, payload)] = render.for_channel([MENU], "sms")

    assert body == (
        "¿Qué desea hacer?\n"
        "1. Ver saldo\n"
        "2. Plan de pagos\n"
        "3. Hablar con asesor\n"
        "Pagar: https://recaudo.example.co/pay/abc"
    )
    assert payload == {}


def test_whatsapp_buttons_with_the_link_in_the_text() -> None:
    [(body, payload)] = render.for_channel([MENU], "whatsapp")

    assert body == "¿Qué desea hacer?\nPagar: https://recaudo.example.co/pay/abc"
    assert payload == {
        "buttons": [
            {"id": "balance", "title": "Ver saldo"},
            {"id": "plan", "title": "Plan de pagos"},
            {"id": "adviser", "title": "Hablar con asesor"},
        ]
    }


def test_whatsapp_lists_more_than_three_options_or_long_titles() -> None:
    accounts = tuple(Option(f"account:{n}", f"Tarjeta terminada {n}00{n}") for n in range(1, 5))
    [(body, payload)] = render.for_channel([Reply("¿Sobre qué cuenta?", accounts)], "whatsapp")

    assert body == "¿Sobre qué cuenta?"
    assert payload["list"]["button"] == gettext("Options")
    assert [row["id"] for row in payload["list"]["rows"]] == [f"account:{n}" for n in range(1, 5)]


def test_whatsapp_more_than_ten_options_are_numbered_text() -> None:
    many = tuple(Option(f"o{n}", f"Opción {n}") for n in range(1, 12))
    [(body, payload)] = render.for_channel([Reply("Elija", many)], "whatsapp")

    assert payload == {}
    assert body.splitlines()[1] == "1. Opción 1"
    assert body.splitlines()[-1] == "11. Opción 11"


def test_whatsapp_payloads_are_valid_graph_requests() -> None:
    now = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)
    accounts = Reply("¿Cuál?", tuple(Option(f"a{n}", f"Cuenta {n}") for n in range(5)))
    for reply, kind in ((MENU, "button"), (accounts, "list")):
        [(body, payload)] = render.for_channel([reply], "whatsapp")
        message = OutboundMessage(1, "whatsapp", "+573001234567", body, payload=payload)
        request = build_request(dataclasses.replace(message, last_inbound_at=now), now=now)
        assert request["interactive"]["type"] == kind


def test_rcs_suggested_replies_and_link_actions() -> None:
    [(body, payload)] = render.for_channel([MENU], "rcs")

    assert body == "¿Qué desea hacer?"
    assert payload == {"buttons": [option.as_json() for option in MENU.options]}


def test_web_keeps_every_option() -> None:
    [(body, payload), thanks] = render.for_channel([MENU, Reply("Gracias")], "web")

    assert body == "¿Qué desea hacer?"
    assert thanks == ("Gracias", {"options": []})
    assert payload["options"][0] == {
        "id": "pay",
        "title": "Pagar",
        "url": "https://recaudo.example.co/pay/abc",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "balance"),
        ("2.", "plan"),
        (" 3 ", "adviser"),
        ("4", ""),  # the link is not numbered
        ("0", ""),
        ("ver SALDO", "balance"),
        ("Hablar con asesor!", "adviser"),
        ("plan", "plan"),  # an id
        ("quiero pagar mañana", ""),
        ("", ""),
    ],
)
def test_choice_from(text: str, expected: str) -> None:
    options = [option.as_json() for option in MENU.options]
    assert render.choice_from(text, options) == expected


def test_choice_from_without_options_is_nothing() -> None:
    assert render.choice_from("1", []) == ""


def test_twiml_says_the_text_and_the_numbered_options_in_a_gather() -> None:
    reply = Reply("Hola. Puede pagar en https://x.co/p/1 cuando quiera.", MENU.options)
    xml = render.twiml(
        [Reply("Bienvenido."), reply],
        gather_url="https://recaudo.example.co/hooks/twilio_voice/?turn=2",
        language="es-MX",
    )

    gather, goodbye, hangup = list(ET.fromstring(xml))
    assert gather.tag == "Gather"
    assert gather.attrib["input"] == "speech dtmf"
    assert gather.attrib["language"] == "es-MX"
    # Keys end with # or a pause: an option's key and a document's four digits both get through.
    assert "numDigits" not in gather.attrib
    assert gather.attrib["finishOnKey"] == "#"
    assert gather.attrib["action"] == "https://recaudo.example.co/hooks/twilio_voice/?turn=2"
    first, second = list(gather)
    assert first.text == "Bienvenido."
    press = gettext("For %(option)s, press %(number)d.")
    assert second.text == " ".join(
        [
            "Hola. Puede pagar en cuando quiera.",
            press % {"option": "Ver saldo", "number": 1},
            press % {"option": "Plan de pagos", "number": 2},
            press % {"option": "Hablar con asesor", "number": 3},
        ]
    )
    assert second.attrib["voice"] == "Polly.Mia"
    assert (goodbye.tag, hangup.tag) == ("Say", "Hangup")


def test_twiml_without_options_takes_digits_until_the_pound_key() -> None:
    xml = render.twiml([Reply("Escriba el año en que nació.")], gather_url="u", language="es-MX")

    gather = ET.fromstring(xml)[0]
    assert gather.attrib["finishOnKey"] == "#"
    assert "numDigits" not in gather.attrib


def test_twiml_with_no_replies_says_an_adviser_continues_and_hangs_up() -> None:
    xml = render.twiml([], gather_url="u", language="es-MX")

    assert [element.tag for element in ET.fromstring(xml)] == ["Say", "Hangup"]


def test_a_number_named_in_an_option_title_picks_that_option() -> None:
    plans = [
        {"id": "plan:settlement", "title": "Un solo pago"},
        {"id": "plan:plan-3", "title": "3 cuotas"},
        {"id": "plan:plan-6", "title": "6 cuotas"},
    ]
    assert render.choice_from("3", plans) == "plan:plan-3"
    assert render.choice_from("1", plans) == "plan:settlement"
