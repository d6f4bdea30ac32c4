"""E-mail through Django's SMTP backend, against a real SMTP server (aiosmtpd) on loopback."""

import base64
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from recaudo.channels.base import OutboundMessage, ProviderError
from recaudo.channels.providers.smtp import SmtpProvider

PDF = b"%PDF-1.4\n% Recaudo test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class Mailbox:
    """Accepts every recipient except those whose address starts with ``refuse-``(550) or
    ``later-`` (450); keeps what it received."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("refuse-"):
            return "550 5.1.1 No such user here"
        if address.startswith("later-"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 Message accepted for delivery"

    def message(self) -> EmailMessage:
        [(_, _, content)] = self.received
        parsed: EmailMessage = email.message_from_bytes(content, policy=default)  # type: ignore[assignment]
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Banco Andino <cobranza@bancoandino.example>"
    try:
        yield handler
    finally:
        controller.stop()


def letter(**fields: object) -> OutboundMessage:
    values: dict[str, object] = {
        "id": 501,
        "channel": "email",
        "to": "maria.perez@correo.example",
        "subject": "Su cuota de marzo",
        "body": "Hola María, su cuota de $ 120.000 vence el 15 de marzo.",
        "payload": {
            "html": "<p>Hola María, su cuota de <strong>$ 120.000</strong> vence el 15 de marzo.</p>",
            "attachments": [
                {
                    "filename": "estado-de-cuenta.pdf",
                    "content_type": "application/pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                }
            ],
            "reply_to": "asesores@bancoandino.example",
        },
    }
    values.update(fields)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def test_text_html_and_attachment_arrive(mailbox: Mailbox) -> None:
    result = SmtpProvider().send(letter())

    [(mail_from, recipients, _)] = mailbox.received
    assert mail_from == "cobranza@bancoandino.example"
    assert recipients == ["maria.perez@correo.example"]
    received = mailbox.message()
    assert received["Subject"] == "Su cuota de marzo"
    assert received["From"] == "Banco Andino <cobranza@bancoandino.example>"
    assert received["To"] == "maria.perez@correo.example"
    assert received["Reply-To"] == "asesores@bancoandino.example"
    assert received["X-Recaudo-Message"] == "501"
    assert received["Message-ID"].strip() == result.provider_message_id  # may be folded
    assert result.provider_message_id.endswith("@bancoandino.example>")
    assert ".recaudo.501@" in result.provider_message_id
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().strip() == "Hola María, su cuota de $ 120.000 vence el 15 de marzo."
    assert "<strong>$ 120.000</strong>" in html.get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "estado-de-cuenta.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF


def test_plain_text_only(mailbox: Mailbox) -> None:
    SmtpProvider().send(letter(payload={}))

    received = mailbox.message()
    assert received.get_content_type() == "text/plain"
    assert received["Reply-To"] is None


def test_unsubscribe_link_is_a_header(mailbox: Mailbox) -> None:
    SmtpProvider().send(
        letter(payload={"unsubscribe_url": "https://cobranza.example.com/baja/abc"})
    )

    received = mailbox.message()
    assert received["List-Unsubscribe"] == "<https://cobranza.example.com/baja/abc>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_each_send_has_its_own_message_id(mailbox: Mailbox) -> None:
    first = SmtpProvider().send(letter(payload={}))
    second = SmtpProvider().send(letter(id=502, payload={}))

    assert first.provider_message_id != second.provider_message_id


def test_refused_recipient_is_a_permanent_invalid_address(mailbox: Mailbox) -> None:
    with pytest.raises(ProviderError) as raised:
        SmtpProvider().send(letter(to="refuse-maria@correo.example"))

    assert (raised.value.permanent, raised.value.code) == (True, "invalid_address")
    assert "550" in str(raised.value)
    assert mailbox.received == []


def test_recipient_refused_for_now_is_transient(mailbox: Mailbox) -> None:
    with pytest.raises(ProviderError) as raised:
        SmtpProvider().send(letter(to="later-maria@correo.example"))

    assert raised.value.permanent is False


def test_server_down_is_transient(mailbox: Mailbox, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_PORT = free_port()

    with pytest.raises(ProviderError) as raised:
        SmtpProvider().send(letter())

    assert (raised.value.permanent, raised.value.code) == (False, "network")


def test_attachment_that_is_not_base64_is_refused(mailbox: Mailbox) -> None:
    broken = {"attachments": [{"filename": "a.pdf", "content_base64": "no es base64!"}]}

    with pytest.raises(ProviderError) as raised:
        SmtpProvider().send(letter(payload=broken))

    assert raised.value.permanent is True
    assert mailbox.received == []


def test_missing_settings(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_HOST = ""

    assert SmtpProvider.missing_settings("email") == ["EMAIL_HOST"]
