"""What the assistant says: replies with options, the same for every channel.

``render.for_channel`` (web chat, WhatsApp, SMS, RCS, voice) and the terminal turn these into
what each channel can show: buttons, lists, numbered options or spoken choices.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    # A stable id the engine understands when chosen: "pay", "plan:plan-3", "account:12" ...
    id: str
    # Short: WhatsApp buttons take at most 20 characters.
    title: str
    # An option that is a link (pay, the self-service page).
    url: str = ""

    def as_json(self) -> dict[str, str]:
        data = {"id": self.id, "title": self.title}
        if self.url:
            data["url"] = self.url
        return data


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "options": [option.as_json() for option in self.options]}
