"""E-mail through Django's mail (``EMAIL_*`` settings, SMTP in production).

A message is sent as text with an HTML alternative (``payload["html"]``) and attachments
(``payload["attachments"]``: ``filename``, ``content_type``, ``content_base64``). Optional
payload keys: ``reply_to`` (an address or a list), ``from_email`` (defaults to
DEFAULT_FROM_EMAIL) and ``unsubscribe_url`` (sent as ``List-Unsubscribe``). The provider
message id is the ``Message-ID`` header, derived from Recaudo's message id.
"""

import base64
import binascii
import smtplib
from email.utils import make_msgid
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.translation import gettext

from recaudo.channels import http_errors
from recaudo.channels.base import OutboundMessage, Provider, ProviderError, SendResult

KIND = "smtp"


def sender_domain(from_email: str) -> str:
    """The domain of the sender's address (Message-IDs are made under it)."""
    address = from_email.rsplit("<", 1)[-1].rstrip(">").strip()
    domain = address.rpartition("@")[2]
    return domain or "localhost"


def attachment_parts(payload: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    parts = []
    for attachment in payload.get("attachments") or ():
        filename = str(attachment.get("filename") or "attachment")
        try:
            content = base64.b64decode(attachment.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError) as error:
            raise ProviderError(
                gettext("The attachment %(filename)s is not valid base64.")
                % {"filename": filename},
                permanent=True,
                code=http_errors.CODE_REJECTED,
            ) from error
        content_type = str(attachment.get("content_type") or "application/octet-stream")
        parts.append((filename, content, content_type))
    return parts


def build_email(message: OutboundMessage) -> EmailMultiAlternatives:
    payload = message.payload
    from_email = str(payload.get("from_email") or settings.DEFAULT_FROM_EMAIL)
    reply_to = payload.get("reply_to") or ()
    headers = {
        "Message-ID": make_msgid(
            idstring=f"recaudo.{message.id}", domain=sender_domain(from_email)
        ),
        "X-Recaudo-Message": str(message.id),
    }
    unsubscribe_url = payload.get("unsubscribe_url")
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=from_email,
        to=[message.to],
        reply_to=[reply_to] if isinstance(reply_to, str) else list(reply_to),
        headers=headers,
    )
    html = payload.get("html")
    if html:
        email.attach_alternative(str(html), "text/html")
    for filename, content, content_type in attachment_parts(payload):
        email.attach(filename, content, content_type)
    return email


def smtp_error(error: Exception) -> ProviderError:
    """The ProviderError an SMTP failure means: refused recipients are permanent, a server
    that cannot be reached or answers 4xx is transient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = all(code >= 500 for code in codes)
        return ProviderError(
            gettext("The mail server refused the address: %(detail)s") % {"detail": _detail(error)},
            permanent=permanent,
            code=http_errors.CODE_INVALID_ADDRESS if permanent else http_errors.CODE_UNAVAILABLE,
        )
    if isinstance(error, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        return ProviderError(
            gettext("The mail server refused our credentials or sender: %(detail)s")
            % {"detail": _detail(error)},
            permanent=False,
            code=http_errors.CODE_CONFIGURATION,
        )
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return ProviderError(
            gettext("The mail server rejected the message: %(detail)s")
            % {"detail": _detail(error)},
            permanent=True,
            code=http_errors.CODE_REJECTED,
        )
    return ProviderError(
        gettext("The mail server could not be reached: %(detail)s") % {"detail": _detail(error)},
        permanent=False,
        code=http_errors.CODE_NETWORK,
    )


def _detail(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address} ({code} {reply.decode(errors='replace')})"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


class SmtpProvider(Provider):
    kind = KIND
    channels = ("email",)
    required_settings: ClassVar[tuple[str, ...]] = ("EMAIL_HOST", "DEFAULT_FROM_EMAIL")

    @classmethod
    def missing_settings(cls, channel: str | None = None) -> list[str]:
        return [name for name in cls.required_settings if not getattr(settings, name, "")]

    def send(self, message: OutboundMessage) -> SendResult:
        email = build_email(message)
        try:
            with get_connection(fail_silently=False) as connection:
                connection.send_messages([email])
        except OSError as error:  # smtplib.SMTPException and timeouts are OSErrors
            raise smtp_error(error) from error
        return SendResult(provider_message_id=str(email.extra_headers["Message-ID"]))
