"""WhatsApp Cloud API (Meta Graph): templates outside the 24-hour window, free text and reply
buttons inside it, delivery statuses and inbound messages through a signed webhook."""

from recaudo.channels.providers.whatsapp_cloud.provider import WhatsAppCloudProvider

__all__ = ["WhatsAppCloudProvider"]
