"""Twilio Programmable Messaging: SMS and WhatsApp through one account.

Outbound: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with ``To``, ``From`` (or
``MessagingServiceSid``), ``Body`` and ``StatusCallback``. A WhatsApp message that carries
``payload["template_name"]`` is sent as an approved template: the template name is the
Twilio Content API SID (``HX…``) and ``payload["template_params"]`` fill its variables
``{{1}}``, ``{{2}}``, … (a list) or by name (a dict). Free text on WhatsApp only reaches a
customer inside the 24-hour window that their last message opened.

Webhooks (``/hooks/twilio/``): status callbacks (``MessageStatus``) and inbound messages
(``Body``, ``ButtonPayload``), both signed with ``X-Twilio-Signature``.
"""

import json
from typing import Any, ClassVar

from django.utils.translation import gettext

from recaudo.channels import http_errors
from recaudo.channels.base import (
    InboundMessage,
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    StatusUpdate,
    WebhookBatch,
    WebhookRequest,
)
from recaudo.channels.providers.twilio import common

KIND = "twilio"
WHATSAPP_PREFIX = "whatsapp:"
CONTENT_SID_PREFIX = "HX"  # Twilio Content API resources
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

# Twilio's MessageStatus -> Recaudo's MessageStatus; the others (accepted, queued, scheduled,
# sending, receiving, received) say nothing new and are ignored.
STATUSES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


def whatsapp_address(number: str) -> str:
    return number if number.startswith(WHATSAPP_PREFIX) else f"{WHATSAPP_PREFIX}{number}"


def plain_address(address: str) -> str:
    return address.removeprefix(WHATSAPP_PREFIX)


def content_variables(params: Any) -> str:
    """Twilio's ContentVariables JSON: {"1": "Ana", "2": "$ 120.000"} from a list or a dict."""
    if isinstance(params, dict):
        variables = {str(name): str(value) for name, value in params.items()}
    else:
        variables = {str(number): str(value) for number, value in enumerate(params or (), 1)}
    return json.dumps(variables, ensure_ascii=False)


def body_with_options(message: OutboundMessage) -> str:
    """The body, with the payload's buttons or list rows numbered below it ("1. Pagar"):
    Twilio sends free-form interactive messages only through pre-approved Content templates,
    so the customer answers with the number (or the title)."""
    options = message.payload.get("buttons") or (message.payload.get("list") or {}).get("rows")
    numbered = [
        f"{number}. {option.get('title', '')}"
        for number, option in enumerate(
            (option for option in options or () if not option.get("url")), 1
        )
    ]
    return "\n".join([message.body, *numbered]) if numbered else message.body


class TwilioMessagingProvider(Provider):
    kind = KIND
    channels = ("sms", "whatsapp")
    required_settings: ClassVar[tuple[str, ...]] = (
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID",
        "TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID",
    )

    @classmethod
    def missing_settings(cls, channel: str | None = None) -> list[str]:
        """The environment variables still to set to send on ``channel`` (all channels if None)."""
        names = common.missing("account_sid", "auth_token")
        config = common.twilio_settings()
        for each in (channel,) if channel else cls.channels:
            sender = "whatsapp_from" if each == "whatsapp" else "sms_from"
            if not config[sender] and not config["messaging_service_sid"]:
                names.append(
                    f"{common.ENVIRONMENT_NAMES[sender]} "
                    f"(or {common.ENVIRONMENT_NAMES['messaging_service_sid']})"
                )
        return names

    # Sending --------------------------------------------------------------------------------

    def request_fields(self, message: OutboundMessage) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for ``message``."""
        config = common.twilio_settings()
        whatsapp = message.channel == "whatsapp"
        fields: dict[str, Any] = {
            "to": whatsapp_address(message.to) if whatsapp else message.to,
            "status_callback": common.public_url(KIND),
        }
        sender = config["whatsapp_from"] if whatsapp else config["sms_from"]
        if sender:
            fields["from_"] = whatsapp_address(sender) if whatsapp else sender
        elif config["messaging_service_sid"]:
            fields["messaging_service_sid"] = config["messaging_service_sid"]
        else:
            raise ProviderError(
                gettext("Twilio has no sender for %(channel)s: set %(variables)s.")
                % {
                    "channel": message.channel,
                    "variables": ", ".join(self.missing_settings(message.channel)),
                },
                permanent=False,
                code=http_errors.CODE_CONFIGURATION,
            )
        template = str(message.payload.get("template_name") or "")
        if whatsapp and template:
            if not template.startswith(CONTENT_SID_PREFIX):
                raise ProviderError(
                    gettext(
                        "Twilio sends WhatsApp templates by their Content SID (HX…); "
                        "the template name %(name)s is not one."
                    )
                    % {"name": template},
                    permanent=True,
                    code=http_errors.CODE_REJECTED,
                )
            fields["content_sid"] = template
            fields["content_variables"] = content_variables(message.payload.get("template_params"))
        else:
            fields["body"] = body_with_options(message)
        media_url = message.payload.get("media_url")
        if media_url:
            fields["media_url"] = [media_url] if isinstance(media_url, str) else list(media_url)
        return fields

    def send(self, message: OutboundMessage) -> SendResult:
        fields = self.request_fields(message)
        common.require_credentials(provider="Twilio")
        with common.twilio_errors(provider="Twilio"):
            created = common.client().messages.create(**fields)
        return SendResult(provider_message_id=str(created.sid), status="sent")

    # Webhooks -------------------------------------------------------------------------------

    def verify(self, request: WebhookRequest) -> bool:
        return common.verify_signature(request, KIND)

    def parse(self, request: WebhookRequest) -> WebhookBatch:
        fields = common.form(request)
        twilio_status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").lower()
        if twilio_status in ("received", "receiving") or (
            not twilio_status and ("Body" in fields or "ButtonPayload" in fields)
        ):
            return WebhookBatch(
                inbound=(inbound_message(fields),),
                response_body=EMPTY_TWIML,
                response_content_type="text/xml",
            )
        update = status_update(fields)
        if update is not None:
            return WebhookBatch(statuses=(update,))
        return WebhookBatch()


def status_update(fields: dict[str, str]) -> StatusUpdate | None:
    twilio_status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").lower()
    status = STATUSES.get(twilio_status)
    sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
    if status is None or not sid:
        return None
    error = ""
    permanent = False
    if status == "failed":
        permanent, error = common.status_error(fields.get("ErrorCode", ""), twilio_status)
    return StatusUpdate(
        provider_message_id=sid,
        status=status,
        at=common.received_at(fields),
        error=error,
        permanent=permanent,
    )


def inbound_message(fields: dict[str, str]) -> InboundMessage:
    sender = fields.get("From", "")
    whatsapp = sender.startswith(WHATSAPP_PREFIX)
    payload: dict[str, Any] = {}
    if fields.get("ButtonPayload"):
        payload["button_id"] = fields["ButtonPayload"]
        payload["button_text"] = fields.get("ButtonText", "")
    media_count = int(fields.get("NumMedia") or 0)
    if media_count:
        payload["media"] = [
            {
                "url": fields.get(f"MediaUrl{index}", ""),
                "content_type": fields.get(f"MediaContentType{index}", ""),
            }
            for index in range(media_count)
        ]
    if fields.get("ProfileName"):
        payload["profile_name"] = fields["ProfileName"]
    if fields.get("OriginalRepliedMessageSid"):
        payload["in_reply_to"] = fields["OriginalRepliedMessageSid"]
    return InboundMessage(
        provider_message_id=fields.get("MessageSid") or fields.get("SmsMessageSid") or "",
        channel="whatsapp" if whatsapp else "sms",
        from_address=plain_address(sender),
        to_address=plain_address(fields.get("To", "")),
        body=fields.get("Body", "") or fields.get("ButtonText", ""),
        received_at=common.received_at(fields),
        payload=payload,
    )
