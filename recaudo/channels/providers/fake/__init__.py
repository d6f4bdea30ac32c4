"""The default provider: sends nothing, so a demo or a test can run the whole outbound flow."""

from recaudo.channels.base import OutboundMessage, Provider, SendResult


class FakeProvider(Provider):
    kind = "fake"
    channels = ("sms", "whatsapp", "rcs", "voice", "email", "push", "letter")

    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(provider_message_id=f"fake-{message.id}")
