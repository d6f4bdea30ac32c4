"""The web chat page, its widget script and its turns endpoint, over Django's test client."""

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from recaudo.conversations import views
from recaudo.conversations.models import Conversation, Speaker, Turn
from recaudo.debts.models import Account, Creditor
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_instalment,
)

pytestmark = pytest.mark.django_db

SLUG = "banco-andino"
PAGE = f"/chat/{SLUG}/"
TURNS = f"/chat/{SLUG}/turns"
DOCUMENT = "52123456"
BIRTH = dt.date(1985, 5, 17)


@pytest.fixture
def creditor() -> Creditor:
    return make_creditor(slug=SLUG, name="Banco Andino")


@pytest.fixture
def account(creditor: Creditor) -> Account:
    customer = make_customer(creditor, document_number=DOCUMENT, birth_date=BIRTH)
    make_contact_point(customer, value="+573001234567")
    make_contact_point(customer, medium="email", value="maria@correo.test")
    account = make_account(
        customer,
        balance=Decimal("1500000"),
        overdue_amount=Decimal("300000"),
        days_past_due=20,
        next_due_date=dt.date(2026, 12, 15),
    )
    make_instalment(account, due_date=dt.date(2026, 12, 15), amount_due=Decimal("300000"))
    return account


def say(client: Client, text: str = "", choice: str = "") -> Any:
    response = client.post(
        TURNS, json.dumps({"text": text, "choice": choice}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["replies"]


def all_text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply["text"] for reply in replies)


def test_the_page_greets_in_spanish_and_can_be_framed(client: Client, creditor: Creditor) -> None:
    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert '<label for="text">' in html
    assert "csrfmiddlewaretoken" in html
    assert "X-Frame-Options" not in response
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.creditor) == ("web", creditor)
    greeting = Turn.objects.filter(conversation=conversation, speaker=Speaker.ASSISTANT).first()
    assert greeting is not None
    assert greeting.text.split("\n")[0] in html
    for option in greeting.options:
        assert f'value="{option["id"]}"' in html or option.get("url", "") in html


def test_the_conversation_belongs_to_the_browser_session(
    client: Client, creditor: Creditor
) -> None:
    client.get(PAGE)
    client.get(PAGE)
    other = Client()
    other.get(PAGE)

    addresses = list(Conversation.objects.values_list("address", flat=True))
    assert len(addresses) == 2
    assert all(re.fullmatch(r"web:[\w-]{20,}", address) for address in addresses)
    # The greeting is given once per conversation.
    for conversation in Conversation.objects.all():
        assert conversation.turns.filter(speaker=Speaker.ASSISTANT).count() >= 1
        assert conversation.turns.filter(speaker=Speaker.CUSTOMER).count() == 1


def test_an_unknown_creditor_is_not_found(client: Client) -> None:
    assert client.get("/chat/nadie/").status_code == 404
    assert client.post(TURNS, "{}", content_type="application/json").status_code == 404


def test_turns_need_the_csrf_token(creditor: Creditor) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(PAGE)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    body = json.dumps({"text": "", "choice": "menu"})

    refused = client.post(TURNS, body, content_type="application/json")
    accepted = client.post(
        TURNS, body, content_type="application/json", headers={"X-CSRFToken": token.group(1)}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "x" * 501, "choice": ""}, 400),
        ({"text": "   ", "choice": ""}, 400),
        ({"text": 12, "choice": ""}, 400),
        ({"text": "", "choice": "x" * 201}, 400),
        ([1, 2], 400),
    ],
    ids=["too long", "empty", "not text", "choice too long", "not an object"],
)
def test_bad_input_gets_a_clear_error(
    client: Client, creditor: Creditor, body: Any, status: int
) -> None:
    client.get(PAGE)

    response = client.post(TURNS, json.dumps(body), content_type="application/json")

    assert response.status_code == status
    assert response.json()["error"]


def test_invalid_json_is_refused(client: Client, creditor: Creditor) -> None:
    response = client.post(TURNS, b"{not json", content_type="application/json")

    assert response.status_code == 400


def test_too_many_turns_in_a_minute_are_refused(
    client: Client, creditor: Creditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAX_TURNS_PER_MINUTE", 2)
    client.get(PAGE)
    say(client, choice="menu")
    say(client, choice="menu")

    response = client.post(
        TURNS, json.dumps({"text": "", "choice": "menu"}), content_type="application/json"
    )

    assert response.status_code == 429


def test_a_pressed_option_is_recorded_with_its_title(client: Client, creditor: Creditor) -> None:
    client.get(PAGE)
    greeting = Turn.objects.filter(speaker=Speaker.ASSISTANT).exclude(options=[]).last()
    assert greeting is not None
    option = next(o for o in greeting.options if not o.get("url"))

    replies = say(client, choice=option["id"])

    assert replies
    assert all(set(reply) == {"text", "options"} for reply in replies)
    turn = Turn.objects.filter(speaker=Speaker.CUSTOMER).order_by("id").last()
    assert turn is not None
    assert (turn.text, turn.entities.get("choice")) == (option["title"], option["id"])


def test_without_javascript_the_form_posts_and_comes_back(
    client: Client, creditor: Creditor
) -> None:
    client.get(PAGE)

    response = client.post(PAGE, {"choice": "menu"})

    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#latest"
    assert Turn.objects.filter(speaker=Speaker.CUSTOMER).count() == 2
    too_long = client.post(PAGE, {"text": "x" * 501})
    assert too_long.status_code == 400
    assert 'role="alert">' in too_long.content.decode()


def test_the_widget_script_opens_the_page_in_an_iframe(client: Client, creditor: Creditor) -> None:
    response = client.get(f"/chat/{SLUG}/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    page_url = re.search(r'var pageUrl = ("[^"]*");', script)
    assert page_url is not None
    assert json.loads(page_url.group(1)) == f"http://testserver/chat/{SLUG}/?embedded=1"
    assert "iframe" in script
    assert "https://" not in script  # no external assets


def test_the_page_assets_are_served_by_the_app(client: Client) -> None:
    script = client.get("/chat/assets/chat.js")
    style = client.get("/chat/assets/chat.css")

    assert script.status_code == style.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert style["Content-Type"].startswith("text/css")
    assert client.get("/chat/assets/other.js").status_code == 404


def test_a_dialogue_verifies_and_tells_the_balance(client: Client, account: Account) -> None:
    client.get(PAGE)

    asked = say(client, "hola, quiero saber cuánto debo")
    assert asked
    say(client, DOCUMENT)
    answer = say(client, str(BIRTH.year))

    conversation = Conversation.objects.get()
    assert conversation.verified_at is not None
    assert conversation.customer_id == account.customer_id
    assert "1.500.000" in all_text(answer)


# Queries per turn of the bench's dialogue (bench/assistant.py), so a change that reads the
# same rows again shows up here. Each turn reads the creditor, the session and the
# conversation, locks the conversation, then records its turns in one INSERT.
DIALOGUE_QUERIES = (
    ("hola buenas", 8),
    ("quiero saber cuánto debo", 8),
    (DOCUMENT, 9),  # + the customer with that document
    (str(BIRTH.year), 18),  # + the candidate, the verification row, accounts, the timeline
    ("cuándo vence mi próxima cuota", 11),
    ("quiero pagar", 17),  # + a checkout: locks the account, then saves its link
    ("gracias, eso es todo", 9),
)


def test_a_turn_reads_each_row_once(
    client: Client, account: Account, django_assert_num_queries: Any
) -> None:
    client.get(PAGE)

    for text, queries in DIALOGUE_QUERIES:
        with django_assert_num_queries(queries):
            assert say(client, text)


def test_nothing_about_the_debt_before_verification(client: Client, account: Account) -> None:
    client.get(PAGE)

    replies = say(client, "cuánto debo?")
    replies += say(client, DOCUMENT)
    replies += say(client, "1990")  # the wrong year

    assert "1.500.000" not in all_text(replies)
    assert Conversation.objects.get().verified_at is None


def test_the_conversation_survives_a_new_client_with_the_same_session(
    client: Client, account: Account
) -> None:
    client.get(PAGE)
    say(client, "cuánto debo?")
    session_cookie = client.cookies["sessionid"].value

    returning = Client()
    returning.cookies["sessionid"] = session_cookie
    say(returning, DOCUMENT)
    answer = say(returning, str(BIRTH.year))

    assert Conversation.objects.count() == 1
    assert "1.500.000" in all_text(answer)


def test_a_creditor_name_cannot_break_out_of_the_widget_script(
    client: Client, creditor: Creditor
) -> None:
    creditor.name = "Acme */ alert(document.domain) /* & Cía"
    creditor.save(update_fields=["name"])

    script = client.get(f"/chat/{SLUG}/widget.js").content.decode()

    assert "Acme" not in script.splitlines()[0]  # the header comment names no creditor
    frame_title = re.search(r'var frameTitle = ("[^"]*");', script)
    assert frame_title is not None
    # Inside a string literal, whole (not HTML-escaped either).
    assert json.loads(frame_title.group(1)).endswith("Acme */ alert(document.domain) /* & Cía")
