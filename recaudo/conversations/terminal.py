"""A conversation with the assistant in the terminal (``recaudo assistant chat --creditor``)."""

import uuid
from typing import TextIO

from django.core.management import CommandError
from django.utils.translation import gettext as _

from recaudo.conversations.actions import open_conversation, take_turn
from recaudo.conversations.models import ConversationChannel, ConversationStatus
from recaudo.conversations.replies import Option, Reply
from recaudo.debts.models import Creditor

QUIT_WORDS = frozenset({"salir", "exit", "quit", ":q"})


def _print_replies(replies: list[Reply], stdout: TextIO) -> list[Option]:
    options: list[Option] = []
    for reply in replies:
        stdout.write(f"{reply.text}\n")
        for option in reply.options:
            options.append(option)
            link = f"  {option.url}" if option.url else ""
            stdout.write(f"  {len(options)}. {option.title}{link}\n")
    stdout.write("\n")
    stdout.flush()
    return options


def run_chat(creditor_slug: str, *, stdin: TextIO, stdout: TextIO) -> None:
    """Print the assistant's replies and numbered options; read the customer's lines.

    A number chooses an option; "salir" (or the end of the input) ends the chat.
    """
    creditor = Creditor.objects.filter(slug=creditor_slug).first()
    if creditor is None:
        raise CommandError(
            _("There is no creditor with the slug %(slug)s.") % {"slug": creditor_slug}
        )
    conversation = open_conversation(
        creditor,
        channel=ConversationChannel.TERMINAL,
        address=f"terminal-{uuid.uuid4().hex[:12]}",
    )
    options = _print_replies(take_turn(conversation, ""), stdout)
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if text.casefold() in QUIT_WORDS:
            break
        choice = ""
        if text.isdigit() and 1 <= int(text) <= len(options):
            choice = options[int(text) - 1].id
            text = ""
        replies = take_turn(conversation, text, choice=choice)
        if not replies and conversation.status == ConversationStatus.HANDED_OFF:
            stdout.write(_("(An adviser will answer this conversation.)") + "\n")
        options = _print_replies(replies, stdout)
        if conversation.status == ConversationStatus.CLOSED:
            break
    stdout.write("\n")
