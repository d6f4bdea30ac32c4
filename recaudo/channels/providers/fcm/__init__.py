"""Push notifications through Firebase Cloud Messaging's HTTP v1 API, for creditors with their
own app. No webhooks: FCM reports nothing back after accepting a message."""

from recaudo.channels.providers.fcm.provider import FcmProvider

__all__ = ["FcmProvider"]
