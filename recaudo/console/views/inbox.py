"""“Mi bandeja”: the agents' queue of tasks, and the conversation view where they answer.

The queue lists open and assigned tasks (hand-offs from the assistant, calls to make, payments
to check, reviews), highest priority first and, among equals, the one waiting longest. Its list
is a partial the page polls every 10 seconds (htmx) with the same filters. Writes (take, close,
reply, give back to the assistant) are POSTs that call the actions shared with the assistant.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recaudo.console.access import requires
from recaudo.console.forms.inbox import CloseTaskForm, InboxFilterForm, ReplyForm
from recaudo.conversations import queries as conversation_queries
from recaudo.conversations.actions import (
    ReplyRefused,
    TaskTakenByAnother,
    close_task_as_agent,
    give_back_to_assistant,
    reply_as_agent,
)
from recaudo.conversations.models import CannedReply, Conversation, ConversationStatus
from recaudo.lib.masking import mask_address, mask_tail
from recaudo.staff.actions import record_audit, take_task
from recaudo.staff.models import AuditAction, Task, TaskKind, TaskStatus
from recaudo.staff.roles import Capability

# The queue shows this many tasks (the most urgent); the filters narrow it.
QUEUE_LIMIT = 100
POLL_SECONDS = 10


@dataclass(frozen=True)
class QueueRow:
    task: Task
    waiting: str
    mine: bool


def waiting_text(since: dt.datetime, now: dt.datetime) -> str:
    """How long a task has waited, short: "5 min", "2 h", "3 d"."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return _("%(count)d min") % {"count": minutes}
    if minutes < 48 * 60:
        return _("%(count)d h") % {"count": minutes // 60}
    return _("%(count)d d") % {"count": minutes // (24 * 60)}


def queue_tasks(
    user: AbstractBaseUser, *, kind: str = "", creditor_id: int | None = None, mine: bool = False
) -> QuerySet[Task]:
    """Open and assigned tasks, highest priority first, older first among equals (one query)."""
    tasks = Task.objects.filter(status__in=(TaskStatus.OPEN, TaskStatus.ASSIGNED))
    if kind:
        tasks = tasks.filter(kind=kind)
    if creditor_id is not None:
        tasks = tasks.filter(creditor_id=creditor_id)
    if mine:
        tasks = tasks.filter(assigned_to_id=user.pk)
    return tasks.select_related("customer", "account", "creditor", "assigned_to").order_by(
        "-priority", "created_at", "id"
    )


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    form = InboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    now = timezone.now()
    user = request.user
    rows = [
        QueueRow(
            task=task,
            waiting=waiting_text(task.created_at, now),
            mine=task.assigned_to_id == user.pk,
        )
        for task in queue_tasks(user, **filters)[:QUEUE_LIMIT]  # type: ignore[arg-type]
    ]
    query = urlencode({key: value for key, value in request.GET.items() if value})
    return {
        "form": form,
        "rows": rows,
        "limit": QUEUE_LIMIT,
        "query": query,
        "list_url": reverse("console:inbox_list") + (f"?{query}" if query else ""),
        "here": reverse("console:inbox") + (f"?{query}" if query else ""),
        "poll_seconds": POLL_SECONDS,
        "now": now,
    }


@requires(Capability.INBOX)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "console/inbox/inbox.html", _queue_context(request))


@requires(Capability.INBOX)
@require_GET
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The queue's rows alone: the page polls it every 10 s with its filters."""
    return render(request, "console/inbox/_list.html", _queue_context(request))


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target or default)


def _agent_name(request: HttpRequest) -> str:
    return request.user.get_username()


def _user(request: HttpRequest) -> AbstractBaseUser:
    """The logged-in user (``requires`` lets no anonymous request in)."""
    return cast(AbstractBaseUser, request.user)


@requires(Capability.INBOX)
@require_POST
def take(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("customer", "account"), pk=task_id)
    if take_task(task, user=request.user):  # type: ignore[arg-type]
        record_audit(
            request.user,
            AuditAction.ACTED,
            request=request,
            customer=task.customer,
            account=task.account,
            detail={"action": "take_task", "task": task.pk},
        )
        messages.success(request, _("The task is yours now."))
        if task.kind == TaskKind.HANDOFF and task.conversation_id is not None:
            return HttpResponseRedirect(
                reverse("console:conversation", args=[task.conversation_id])
            )
    elif task.status == TaskStatus.ASSIGNED:
        holder = task.assigned_to.get_username() if task.assigned_to else _("another agent")
        messages.error(
            request,
            _("%(agent)s took this task first; it is no longer in the open queue.")
            % {"agent": holder},
        )
    else:
        messages.error(request, _("This task is already closed; nothing to take."))
    return _back(request, reverse("console:inbox"))


@requires(Capability.INBOX)
@require_POST
def close(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(
        Task.objects.select_related("customer", "account", "conversation"), pk=task_id
    )
    form = CloseTaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors.get("outcome", [])))
        return _back(request, reverse("console:inbox"))
    outcome = form.cleaned_data["outcome"]  # stripped; "" when none
    try:
        closed = close_task_as_agent(
            task, user=_user(request), agent_name=_agent_name(request), outcome=outcome
        )
    except ValueError as refused:  # TaskTakenByAnother, an outcome without an account
        messages.error(request, str(refused))
        return _back(request, reverse("console:inbox"))
    if closed:
        record_audit(
            request.user,
            AuditAction.ACTED,
            request=request,
            customer=task.customer,
            account=task.account,
            detail={"action": "close_task", "task": task.pk, "outcome": bool(outcome)},
        )
        if outcome:
            messages.success(request, _("Task closed; its outcome is a note on the account."))
        else:
            messages.success(request, _("Task closed."))
    elif outcome:
        messages.info(request, _("This task was already closed; the outcome was not saved."))
    else:
        messages.info(request, _("This task was already closed."))
    return _back(request, reverse("console:inbox"))


# --- The conversation view ------------------------------------------------------------------


def _conversation(conversation_id: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("creditor", "customer", "account", "contact_point"),
        pk=conversation_id,
    )


def _window(conversation: Conversation, now: dt.datetime) -> dict[str, Any] | None:
    """WhatsApp's 24-hour window (``conversations.queries.reply_window``), for the page."""
    if conversation.channel != "whatsapp":
        return None
    window = conversation_queries.reply_window(conversation, now=now)
    if not window.open:
        return {"open": False, "ends": window.ends, "left": ""}
    minutes = int(window.left(now).total_seconds() // 60)
    left = _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}
    return {"open": True, "ends": window.ends, "left": left}


def _conversation_context(
    request: HttpRequest, conversation: Conversation, *, form: ReplyForm | None = None
) -> dict[str, Any]:
    now = timezone.now()
    customer = conversation.customer
    accounts = conversation_queries.open_accounts(customer) if customer is not None else []
    canned = conversation_queries.canned_replies(conversation.creditor_id)
    if form is None:
        initial: dict[str, Any] = {}
        chosen = request.GET.get("canned", "")
        if chosen.isdigit():
            reply = next((item for item in canned if item.pk == int(chosen)), None)
            if reply is not None:
                initial["text"] = _filled(reply, conversation, accounts, request)
        form = ReplyForm(
            initial=initial,
            creditor_id=conversation.creditor_id,
            whatsapp=conversation.channel == "whatsapp",
        )
    tasks = list(
        Task.objects.filter(conversation=conversation)
        .select_related("assigned_to")
        .order_by("-created_at", "-id")
    )
    open_tasks = [task for task in tasks if task.status in (TaskStatus.OPEN, TaskStatus.ASSIGNED)]
    return {
        "conversation": conversation,
        "customer": customer,
        "document": mask_tail(customer.document_number) if customer is not None else "",
        "address": mask_address(conversation.address)
        if conversation.channel in ("whatsapp", "sms", "rcs", "voice")
        else conversation.get_channel_display(),
        "accounts": accounts,
        "timeline": conversation_queries.conversation_timeline(conversation),
        "handoffs": [task for task in tasks if task.kind == TaskKind.HANDOFF],
        "open_tasks": open_tasks,
        "handed_off": conversation.status == ConversationStatus.HANDED_OFF,
        "window": _window(conversation, now),
        "form": form,
        "canned": canned,
        "poll_seconds": POLL_SECONDS,
    }


def _filled(
    reply: CannedReply, conversation: Conversation, accounts: list[Any], request: HttpRequest
) -> str:
    account = conversation.account or (accounts[0] if accounts else None)
    user = request.user
    agent = getattr(user, "get_full_name", lambda: "")() or user.get_username()
    return conversation_queries.fill_placeholders(
        reply.body, customer=conversation.customer, account=account, agent_name=agent
    )


@requires(Capability.INBOX)
@require_GET
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(conversation_id)
    record_audit(
        request.user,
        AuditAction.VIEWED_CONVERSATION,
        request=request,
        customer=found.customer,
        account=found.account,
        creditor_id=found.creditor_id,
        detail={"conversation": found.pk},
    )
    return render(request, "console/inbox/conversation.html", _conversation_context(request, found))


@requires(Capability.INBOX)
@require_GET
def conversation_timeline(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The timeline alone: the conversation page polls it every 10 s."""
    found = _conversation(conversation_id)
    return render(
        request,
        "console/inbox/_timeline.html",
        {"timeline": conversation_queries.conversation_timeline(found)},
    )


@requires(Capability.INBOX)
@require_GET
def canned_reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The reply box filled with a canned reply for this customer (htmx swaps it in)."""
    found = _conversation(conversation_id)
    chosen = request.GET.get("canned", "")
    replies = conversation_queries.canned_replies(found.creditor_id)
    reply = next((item for item in replies if chosen.isdigit() and item.pk == int(chosen)), None)
    accounts = (
        conversation_queries.open_accounts(found.customer) if found.customer is not None else []
    )
    text = _filled(reply, found, accounts, request) if reply is not None else ""
    return render(request, "console/inbox/_reply_text.html", {"text": text})


@requires(Capability.INBOX)
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(conversation_id)
    form = ReplyForm(
        request.POST, creditor_id=found.creditor_id, whatsapp=found.channel == "whatsapp"
    )
    if form.is_valid():
        try:
            reply_as_agent(
                found,
                text=form.cleaned_data["text"],
                agent_name=_agent_name(request),
                template=form.cleaned_data.get("template"),
                dedupe_key=form.cleaned_data["form_key"],
                user=_user(request),
            )
        except ReplyRefused as refused:
            form.add_error(None, str(refused))
        else:
            record_audit(
                request.user,
                AuditAction.ACTED,
                request=request,
                customer=found.customer,
                account=found.account,
                creditor_id=found.creditor_id,
                detail={"action": "reply", "conversation": found.pk, "channel": found.channel},
            )
            if found.channel == "web":
                messages.success(request, _("Reply sent to the web chat."))
            else:
                messages.success(
                    request,
                    _(
                        "Reply queued on %(channel)s: it goes out once the contact policy "
                        "allows it (its status shows in the history)."
                    )
                    % {"channel": found.get_channel_display()},
                )
            return HttpResponseRedirect(reverse("console:conversation", args=[found.pk]))
    return render(
        request,
        "console/inbox/conversation.html",
        _conversation_context(request, found, form=form),
        status=400,
    )


@requires(Capability.INBOX)
@require_POST
def return_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(conversation_id)
    try:
        returned = give_back_to_assistant(
            found,
            agent_name=_agent_name(request),
            user=_user(request),
        )
    except TaskTakenByAnother as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(reverse("console:conversation", args=[found.pk]))
    if returned:
        record_audit(
            request.user,
            AuditAction.ACTED,
            request=request,
            customer=found.customer,
            account=found.account,
            creditor_id=found.creditor_id,
            detail={"action": "return_to_assistant", "conversation": found.pk},
        )
        messages.success(
            request, _("The conversation is back with the assistant; the hand-off task is closed.")
        )
        return HttpResponseRedirect(reverse("console:inbox"))
    messages.info(request, _("This conversation was not with an adviser; nothing changed."))
    return HttpResponseRedirect(reverse("console:conversation", args=[found.pk]))


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/list/", inbox_list, name="inbox_list"),
    path("inbox/tasks/<int:task_id>/take/", take, name="inbox_take"),
    path("inbox/tasks/<int:task_id>/close/", close, name="inbox_close"),
    path("conversations/<int:conversation_id>/", conversation, name="conversation"),
    path(
        "conversations/<int:conversation_id>/timeline/",
        conversation_timeline,
        name="conversation_timeline",
    ),
    path("conversations/<int:conversation_id>/canned/", canned_reply, name="conversation_canned"),
    path("conversations/<int:conversation_id>/reply/", reply, name="conversation_reply"),
    path(
        "conversations/<int:conversation_id>/return/",
        return_conversation,
        name="conversation_return",
    ),
]
