"""One scripted dialogue per flow, in Spanish, over the web chat endpoint and over a signed
WhatsApp Cloud webhook (the issue's "over the web chat and over a WhatsApp webhook")."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from recaudo.conversations.models import Conversation, ConversationStatus
from recaudo.customers.models import Consent
from recaudo.debts.models import AccountStatus, EventKind, Hold, Plan, PlanPolicy, Promise
from recaudo.payments.models import Checkout
from recaudo.staff.models import Task
from tests.conversations.dialogue import NOW, holder, overdue_account
from tests.conversations.transports import WHATSAPP_SETTINGS, WebChat, WhatsApp
from tests.factories import make_payment

pytestmark = pytest.mark.django_db

Transport = WebChat | WhatsApp


@pytest.fixture(autouse=True)
def _frozen_with_whatsapp(settings: Any):  # type: ignore[no-untyped-def]
    settings.RECAUDO_PUBLIC_URL = "https://cobranza.example.com"
    settings.WHATSAPP_CLOUD = WHATSAPP_SETTINGS
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=["web", "whatsapp"])
def transport(request: pytest.FixtureRequest) -> Transport:
    customer = holder()
    overdue_account(customer, external_id="CR-0012345")
    return WebChat(customer) if request.param == "web" else WhatsApp(customer)


def account_of(transport: Transport) -> Any:
    return transport.customer.accounts.get()


def test_balance(transport: Transport) -> None:
    transport.say("buenas, cuánto debo?")
    transport.verify()
    assert "• Saldo total: $400.000" in transport.text
    assert "• Valor vencido: $200.000" in transport.text


def test_promise(transport: Transport) -> None:
    transport.say("puedo pagar el 20")
    transport.verify()
    assert "¿Cuánto pagará ese día? Le sugiero $200.000" in transport.text
    transport.press("amount:suggested")
    assert "¿Es correcto?" in transport.text
    transport.press("yes")
    assert "quedó registrado su compromiso de pagar $200.000 el 20 de marzo" in transport.text
    promise = Promise.objects.get(account=account_of(transport))
    assert promise.promised_date == dt.date(2026, 3, 20)


def test_plan(transport: Transport) -> None:
    PlanPolicy.objects.create(
        creditor=transport.customer.creditor,
        max_instalments=6,
        min_down_payment_percent=Decimal("10"),
        min_instalment=Decimal("50000"),
        settlement_discount_percent=Decimal("10"),
    )
    transport.say("quiero un plan de pagos")
    transport.verify()
    assert "Estas son las opciones para su cuenta:" in transport.text
    transport.press("plan:settlement")
    assert "¿Lo confirma?" in transport.text
    transport.press("yes")
    assert "su plan quedó acordado" in transport.text
    assert "m***@correo.com" in transport.text
    plan = Plan.objects.get(account=account_of(transport))
    checkout = Checkout.objects.get(plan=plan)
    assert checkout.amount == plan.total
    assert checkout.url and checkout.url in (transport.url("pay:link") or transport.text)


def test_statement(transport: Transport) -> None:
    transport.say("me envían el estado de cuenta?")
    transport.verify()
    assert "Le envié su estado de cuenta a m***@correo.com" in transport.text


def test_pay(transport: Transport) -> None:
    transport.say("quiero pagar")
    transport.verify()
    assert "Tiene $200.000 vencidos y el saldo total es $400.000" in transport.text
    amounts = {checkout.amount for checkout in Checkout.objects.all()}
    assert amounts == {Decimal("200000"), Decimal("400000")}
    transport.press("pay:other")
    transport.say("150000")
    assert "Este es su enlace seguro para pagar $150.000." in transport.text
    assert Checkout.objects.filter(amount=Decimal("150000")).exists()


def test_cannot_pay(transport: Transport) -> None:
    transport.say("no puedo pagar este mes")
    transport.verify()
    assert "¿Me cuenta por qué no puede pagar" in transport.text
    transport.press("reason:illness")
    assert "Busquemos juntos una solución" in transport.text
    assert account_of(transport).events.filter(kind=EventKind.CANNOT_PAY).exists()


def test_already_paid(transport: Transport) -> None:
    make_payment(
        account_of(transport),
        amount=Decimal("100000"),
        paid_at=dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC),
        external_reference="REF-777",
    )
    transport.say("ya pagué")
    transport.verify()
    assert "¿En qué fecha pagó?" in transport.text
    transport.say("el 6 de marzo")
    assert "¿Cuánto pagó?" in transport.text
    transport.say("100000")
    transport.press("no_reference")
    assert "Ya tenemos registrado su pago de $100.000" in transport.text


def test_dispute(transport: Transport) -> None:
    transport.say("no reconozco esa deuda")
    transport.verify()
    assert "Cuénteme con sus palabras" in transport.text
    transport.say("Nunca saqué ese préstamo")
    transport.press("yes")
    assert "el cobro de esta cuenta está en pausa" in transport.text
    assert account_of(transport).status == AccountStatus.DISPUTE
    assert Hold.objects.filter(kind="dispute").exists()


def test_handoff(transport: Transport) -> None:
    transport.say("cuál es mi saldo")
    transport.verify()
    transport.say("quiero hablar con un asesor")
    assert "asesor" in transport.text
    conversation = Conversation.objects.get(customer=transport.customer)
    assert conversation.status == ConversationStatus.HANDED_OFF
    assert Task.objects.filter(kind="handoff", conversation=conversation).exists()
    transport.say("hola? alguien?")
    assert transport.text == ""  # an adviser answers, not the assistant


def test_opt_out(transport: Transport) -> None:
    if isinstance(transport, WhatsApp):
        transport.say("no me escriban más por aquí")
        # The channel layer may confirm the opt-out itself, before the assistant.
        text = transport.text
        assert "no le escribiremos más" in text or "por WhatsApp" in text, text
        channel = "whatsapp"
    else:
        transport.say("no quiero que me contacten más")
        transport.verify()
        assert "¿Por cuál medio prefiere no recibir mensajes?" in transport.text
        transport.press("optout:sms")
        assert "por SMS" in transport.text
        channel = "sms"
    assert Consent.objects.filter(
        contact_point__customer=transport.customer, channel=channel, granted=False
    ).exists()


def test_survey(transport: Transport) -> None:
    transport.say("hola")
    transport.say("listo, chao, gracias")
    assert "de 1 a 5, ¿cómo califica mi ayuda?" in transport.text
    transport.press("rating:4")
    assert "Que tenga un buen día" in transport.text
    conversation = Conversation.objects.order_by("-id").first()
    assert conversation is not None and conversation.satisfaction == 4
    assert conversation.status == ConversationStatus.CLOSED
