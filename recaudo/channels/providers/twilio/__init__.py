"""Twilio: SMS and WhatsApp (``twilio``) and voice calls (``twilio_voice``). See docs/channels.md."""

from recaudo.channels.providers.twilio.messaging import TwilioMessagingProvider
from recaudo.channels.providers.twilio.voice import TwilioVoiceProvider

__all__ = ["TwilioMessagingProvider", "TwilioVoiceProvider"]
