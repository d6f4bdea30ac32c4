"""“Mi bandeja”: the queue, its live partial, taking and closing tasks, and the conversation
view (history, reply, canned replies, return to the assistant)."""

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.conversations.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    Speaker,
    Turn,
)
from recaudo.customers.models import Customer
from recaudo.staff.actions import open_task, take_task
from recaudo.staff.models import AuditAction, AuditEntry, Task, TaskKind, TaskStatus
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_user,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
INBOX = "/console/inbox/"
LIST = "/console/inbox/list/"


def task_for(
    *,
    stage: str = "administrative",
    balance: str = "1000000",
    kind: str = TaskKind.CALL,
    created: dt.datetime = NOW - dt.timedelta(hours=2),
    customer: Customer | None = None,
    conversation: Conversation | None = None,
) -> Task:
    account = make_account(customer, stage=stage, balance=Decimal(balance))
    with time_machine.travel(created, tick=False):
        task, _ = open_task(
            account.customer,
            kind=kind,
            reason=f"Llamar por {kind}",
            account=account,
            conversation=conversation,
        )
    return task


def handoff(channel: str = "web") -> tuple[Task, Conversation]:
    account = make_account(stage="pre_legal", balance=Decimal("2500000"))
    customer = account.customer
    point = make_contact_point(customer, value="+573001112233")
    conversation = Conversation.objects.create(
        creditor=customer.creditor,
        channel=channel,
        address="web:abc" if channel == "web" else point.value,
        customer=customer,
        contact_point=point if channel != "web" else None,
        account=account,
        status=ConversationStatus.HANDED_OFF,
        started_at=NOW - dt.timedelta(hours=1),
        last_turn_at=NOW - dt.timedelta(minutes=5),
        handed_off_at=NOW - dt.timedelta(minutes=5),
    )
    Turn.objects.create(
        conversation=conversation,
        speaker=Speaker.CUSTOMER,
        text="quiero hablar con un asesor",
        at=NOW - dt.timedelta(minutes=5),
    )
    with time_machine.travel(NOW - dt.timedelta(minutes=5), tick=False):
        task, _ = open_task(
            customer,
            kind=TaskKind.HANDOFF,
            reason="Resumen: quiere un asesor\n[10:00] cliente: quiero hablar con un asesor",
            account=account,
            conversation=conversation,
        )
    return task, conversation


def queue_ids(response: object) -> list[int]:
    return [row.task.pk for row in response.context["rows"]]  # type: ignore[attr-defined]


# --- The queue ------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_priority_then_waiting_time(client_as: Callable) -> None:
    agent = client_as("agent")
    low = task_for(stage="preventive")
    legal = task_for(stage="legal_handoff")
    newer = task_for(created=NOW - dt.timedelta(minutes=10))
    older = task_for(created=NOW - dt.timedelta(hours=5))
    done = task_for(stage="legal_handoff")
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.DONE)
    assert newer.priority == older.priority
    with time_machine.travel(NOW, tick=False):
        response = agent.get(INBOX)
    assert response.status_code == 200
    assert queue_ids(response)[0] == legal.pk
    assert queue_ids(response).index(older.pk) < queue_ids(response).index(newer.pk)
    assert queue_ids(response)[-1] == low.pk
    assert done.pk not in queue_ids(response)
    page = response.content.decode()
    assert "5 h" in page and "10 min" in page
    assert "1.000.000" in page  # the balance, with the money filter
    assert "Llamar por call" in page


def test_the_page_polls_its_list_every_10_seconds_with_its_filters(client_as: Callable) -> None:
    agent = client_as("agent")
    creditor = make_creditor()
    response = agent.get(INBOX, {"kind": "handoff", "creditor": creditor.pk})
    page = response.content.decode()
    list_url = f"{LIST}?kind=handoff&amp;creditor={creditor.pk}"
    assert f'hx-get="{list_url}"' in page
    assert 'hx-trigger="every 10s"' in page


def test_the_live_list_is_the_rows_alone_and_keeps_the_filters(client_as: Callable) -> None:
    agent = client_as("agent")
    call = task_for()
    handoff_task, _ = handoff()
    response = agent.get(LIST, {"kind": "handoff"})
    assert response.status_code == 200
    assert queue_ids(response) == [handoff_task.pk]
    assert call.pk not in queue_ids(response)
    assert "<html" not in response.content.decode()
    assert "<table" in response.content.decode()


def test_filters_by_creditor_and_mine(client_as: Callable) -> None:
    agent = client_as("agent")
    first = task_for()
    second = task_for()
    assert first.creditor_id != second.creditor_id
    assert queue_ids(agent.get(LIST, {"creditor": second.creditor_id})) == [second.pk]
    take_task(first, user=agent.user)  # type: ignore[attr-defined]
    assert queue_ids(agent.get(LIST, {"mine": "on"})) == [first.pk]


def test_an_invalid_filter_still_shows_the_queue(client_as: Callable) -> None:
    agent = client_as("agent")
    task = task_for()
    response = agent.get(INBOX, {"kind": "nonsense"})
    assert response.status_code == 200
    assert queue_ids(response) == [task.pk]


def test_links_to_the_customer_and_the_conversation(client_as: Callable) -> None:
    agent = client_as("agent")
    handoff_task, conversation = handoff()
    page = agent.get(INBOX).content.decode()
    assert f'href="/console/conversations/{conversation.pk}/"' in page
    try:
        customer_url = reverse("console:customer", args=[handoff_task.customer_id])
    except Exception:  # built by another part of the console
        return
    assert f'href="{customer_url}"' in page


# --- Take, close ----------------------------------------------------------------------------


def test_take_assigns_the_task_and_a_second_agent_is_refused(client_as: Callable) -> None:
    task = task_for()
    first = client_as("agent")
    first_user = first.user  # type: ignore[attr-defined]
    response = first.post(f"/console/inbox/tasks/{task.pk}/take/", {"next": INBOX})
    assert response.status_code == 302 and response["Location"] == INBOX
    task.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.ASSIGNED, first_user.pk)
    assert AuditEntry.objects.filter(
        user=first_user, action=AuditAction.ACTED, detail__action="take_task"
    ).exists()

    second = Client()
    second_user = make_user("agent")
    second.force_login(second_user)
    refused = second.post(f"/console/inbox/tasks/{task.pk}/take/", follow=True)
    assert first_user.get_username() in refused.content.decode()
    with translation.override("es"):
        took_first = gettext("%(agent)s took this task first; it is no longer in the open queue.")
    assert escape(took_first % {"agent": first_user.get_username()}) in refused.content.decode()
    task.refresh_from_db()
    assert task.assigned_to_id == first_user.pk


def test_take_is_one_conditional_update() -> None:
    task = task_for()
    ana, luis = make_user("agent"), make_user("agent")
    stale = Task.objects.get(pk=task.pk)  # both agents loaded the open task
    assert take_task(task, user=ana) is True
    assert take_task(stale, user=luis) is False
    assert take_task(task, user=ana) is True  # a double click by the same agent
    assert Task.objects.get(pk=task.pk).assigned_to_id == ana.pk


def test_taking_a_hand_off_opens_its_conversation(client_as: Callable) -> None:
    task, conversation = handoff()
    response = client_as("agent").post(f"/console/inbox/tasks/{task.pk}/take/")
    assert response["Location"] == f"/console/conversations/{conversation.pk}/"


def test_close_a_task(client_as: Callable) -> None:
    agent = client_as("agent")
    task = task_for()
    agent.post(f"/console/inbox/tasks/{task.pk}/close/")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.closed_at is not None
    assert task.pk not in queue_ids(agent.get(LIST))
    again = agent.post(f"/console/inbox/tasks/{task.pk}/close/", follow=True)
    assert again.status_code == 200


def test_writes_are_post_only(client_as: Callable) -> None:
    agent = client_as("agent")
    task = task_for()
    assert agent.get(f"/console/inbox/tasks/{task.pk}/take/").status_code == 405
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


# --- The conversation view ------------------------------------------------------------------


def test_the_conversation_shows_history_summary_and_transcript(client_as: Callable) -> None:
    agent = client_as("agent")
    _task, conversation = handoff()
    customer = conversation.customer
    assert customer is not None
    Message.objects.create(
        creditor=customer.creditor,
        customer=customer,
        direction=Direction.OUTBOUND,
        channel="sms",
        address="+573001112233",
        body="Recordatorio: su cuota vence mañana",
        status=MessageStatus.DELIVERED,
    )
    response = agent.get(f"/console/conversations/{conversation.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "quiero hablar con un asesor" in page
    assert "Recordatorio: su cuota vence mañana" in page
    assert customer.document_number not in page
    assert customer.document_number[-4:] in page  # masked: only the last digits
    assert "2.500.000" in page
    assert "Resumen: quiere un asesor" in page  # the hand-off transcript
    entry = AuditEntry.objects.get(action=AuditAction.VIEWED_CONVERSATION)
    assert entry.customer_id == customer.pk
    assert entry.detail == {"conversation": conversation.pk}


def test_the_timeline_partial(client_as: Callable) -> None:
    _task, conversation = handoff()
    response = client_as("agent").get(f"/console/conversations/{conversation.pk}/timeline/")
    assert "quiero hablar con un asesor" in response.content.decode()
    assert "<html" not in response.content.decode()


def form_key(page: str) -> str:
    match = re.search(r'name="form_key" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def test_reply_on_the_web_chat_once_under_a_double_click(client_as: Callable) -> None:
    agent = client_as("agent")
    _task, conversation = handoff("web")
    url = f"/console/conversations/{conversation.pk}/"
    key = form_key(agent.get(url).content.decode())
    for _ in range(2):
        response = agent.post(f"{url}reply/", {"text": "Hola, soy Ana", "form_key": key})
        assert response.status_code == 302
    turns = Turn.objects.filter(conversation=conversation, speaker=Speaker.AGENT)
    assert [turn.text for turn in turns] == ["Hola, soy Ana"]
    assert AuditEntry.objects.filter(action=AuditAction.ACTED, detail__action="reply").exists()


def test_reply_empty_or_outside_the_window_says_why(client_as: Callable) -> None:
    agent = client_as("agent")
    _task, conversation = handoff("whatsapp")
    url = f"/console/conversations/{conversation.pk}/"
    page = agent.get(url).content.decode()
    assert "24-hour window is closed" in page or "ventana" in page
    empty = agent.post(f"{url}reply/", {"text": "  ", "form_key": "a"})
    assert empty.status_code == 400
    late = agent.post(f"{url}reply/", {"text": "Hola", "form_key": "b"})
    assert late.status_code == 400
    assert 'role="alert"' in late.content.decode()
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_reply_on_whatsapp_inside_the_window_is_queued(client_as: Callable) -> None:
    agent = client_as("agent")
    _task, conversation = handoff("whatsapp")
    customer = conversation.customer
    assert customer is not None
    Message.objects.create(
        creditor=customer.creditor,
        customer=customer,
        contact_point=conversation.contact_point,
        direction=Direction.INBOUND,
        channel="whatsapp",
        address=conversation.address,
        body="hola",
        status=MessageStatus.RECEIVED,
    )
    url = f"/console/conversations/{conversation.pk}/"
    assert " h " in agent.get(url).content.decode()  # the time left in the window
    agent.post(f"{url}reply/", {"text": "Hola, soy Ana", "form_key": "c"})
    message = Message.objects.get(direction=Direction.OUTBOUND)
    assert (message.channel, message.status, message.body) == (
        "whatsapp",
        "queued",
        "Hola, soy Ana",
    )


def test_a_canned_reply_fills_the_box_for_the_customer(client_as: Callable) -> None:
    agent = client_as("agent")
    _task, conversation = handoff()
    reply = CannedReply.objects.create(
        creditor=conversation.creditor, title="Saldo", body="{nombre}, su saldo es {saldo}."
    )
    url = f"/console/conversations/{conversation.pk}/"
    fragment = agent.get(f"{url}canned/", {"canned": reply.pk}).content.decode()
    assert fragment.startswith('<textarea id="reply-text"')
    assert "María, su saldo es 2.500.000" in fragment
    assert "María, su saldo es" in agent.get(url, {"canned": reply.pk}).content.decode()
    other = CannedReply.objects.create(creditor=make_creditor(), title="Ajena", body="secreto")
    assert "secreto" not in agent.get(f"{url}canned/", {"canned": other.pk}).content.decode()


def test_return_to_the_assistant_closes_the_hand_off(client_as: Callable) -> None:
    agent = client_as("agent")
    task, conversation = handoff()
    response = agent.post(f"/console/conversations/{conversation.pk}/return/")
    assert response["Location"] == INBOX
    task.refresh_from_db()
    conversation.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert conversation.status == ConversationStatus.OPEN
    assert AuditEntry.objects.filter(detail__action="return_to_assistant").count() == 1
    agent.post(f"/console/conversations/{conversation.pk}/return/")
    assert AuditEntry.objects.filter(detail__action="return_to_assistant").count() == 1


# --- Roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["strategist", "compliance"])
def test_other_roles_are_refused(client_as: Callable, role: str) -> None:
    user_client = client_as(role)
    task, conversation = handoff()
    base = f"/console/conversations/{conversation.pk}/"
    for url in (INBOX, LIST, base, f"{base}timeline/", f"{base}canned/"):
        assert user_client.get(url).status_code == 403, url
    for url in (
        f"/console/inbox/tasks/{task.pk}/take/",
        f"/console/inbox/tasks/{task.pk}/close/",
        f"{base}reply/",
        f"{base}return/",
    ):
        assert user_client.post(url, {"text": "x", "form_key": "k"}).status_code == 403, url
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not Turn.objects.filter(speaker=Speaker.AGENT).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.VIEWED_CONVERSATION).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).count() == 9


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_agents_supervisors_and_admins_work_the_inbox(client_as: Callable, role: str) -> None:
    assert client_as(role).get(INBOX).status_code == 200


def test_anonymous_goes_to_login(client: Client) -> None:
    response = client.get(INBOX)
    assert response.status_code == 302 and "login" in response["Location"]


# --- Queries: fixed counts, whatever the number of rows --------------------------------------


def many_tasks(count: int) -> None:
    creditor = make_creditor()
    for index in range(count):
        customer = make_customer(creditor)
        task_for(customer=customer, kind=TaskKind.CALL if index % 2 else TaskKind.CHECK_PAYMENT)
    ana = make_user("agent")
    take_task(Task.objects.first(), user=ana)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", [INBOX, LIST])
def test_the_queue_reads_a_fixed_number_of_rows(
    client_as: Callable, django_assert_num_queries: Callable, url: str
) -> None:
    agent = client_as("agent")
    many_tasks(3)
    agent.get(url)  # warm the session
    with django_assert_num_queries(QUERIES[url]):
        assert len(queue_ids(agent.get(url))) == 3
    many_tasks(12)
    with django_assert_num_queries(QUERIES[url]):
        assert len(queue_ids(agent.get(url))) == 15


# session, user, the user's groups (roles), the tasks with their customer, account, creditor
# and agent; the page adds the creditors of the filter.
QUERIES = {INBOX: 5, LIST: 4}


@pytest.mark.django_db(transaction=True)
def test_two_agents_taking_at_the_same_moment_one_wins() -> None:
    """Real concurrency (PostgreSQL): two threads take the same task at once."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    task = task_for()
    agents = [make_user("agent"), make_user("agent")]
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def take(user: object) -> None:
        try:
            stale = Task.objects.get(pk=task.pk)
            barrier.wait()
            results.append(take_task(stale, user=user))  # type: ignore[arg-type]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    task.refresh_from_db()
    assert task.assigned_to_id in {agent.pk for agent in agents}


# --- A hand-off another agent has taken ------------------------------------------------------


def taken_by(task: Task, role: str = "agent") -> object:
    holder = make_user(role)
    assert take_task(task, user=holder) is True
    return holder


def refusal(holder: object) -> str:
    with translation.override("es"):
        text = gettext(
            "%(agent)s has taken this hand-off: only they or a supervisor can answer the "
            "customer, close it or give the conversation back to the assistant."
        )
    return escape(text % {"agent": holder.get_username()})  # type: ignore[attr-defined]


def test_another_agents_hand_off_cannot_be_answered_closed_or_returned(
    client_as: Callable,
) -> None:
    task, conversation = handoff("web")
    ana = taken_by(task)
    luis = client_as("agent")
    base = f"/console/conversations/{conversation.pk}/"

    replied = luis.post(f"{base}reply/", {"text": "Hola, soy Luis", "form_key": "k1"})
    closed = luis.post(f"/console/inbox/tasks/{task.pk}/close/", follow=True)
    returned = luis.post(f"{base}return/", follow=True)

    assert replied.status_code == 400
    assert refusal(ana) in replied.content.decode()
    assert refusal(ana) in closed.content.decode()
    assert refusal(ana) in returned.content.decode()
    task.refresh_from_db()
    conversation.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.ASSIGNED, ana.pk)  # type: ignore[attr-defined]
    assert conversation.status == ConversationStatus.HANDED_OFF
    assert not Turn.objects.filter(speaker=Speaker.AGENT).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ACTED).exists()


def test_another_agents_call_task_cannot_be_closed(client_as: Callable) -> None:
    task = task_for()
    ana = taken_by(task)
    luis = client_as("agent")

    refused = luis.post(f"/console/inbox/tasks/{task.pk}/close/", follow=True)

    with translation.override("es"):
        text = gettext("%(agent)s has taken this task: only they or a supervisor can close it.")
    assert escape(text % {"agent": ana.get_username()}) in refused.content.decode()  # type: ignore[attr-defined]
    task.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.ASSIGNED, ana.pk)  # type: ignore[attr-defined]


def test_answering_an_unassigned_hand_off_takes_it_first(client_as: Callable) -> None:
    task, conversation = handoff("web")
    agent = client_as("agent")

    response = agent.post(
        f"/console/conversations/{conversation.pk}/reply/", {"text": "Hola", "form_key": "k"}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.ASSIGNED, agent.user.pk)  # type: ignore[attr-defined]


def test_closing_or_returning_an_unassigned_hand_off_takes_it_first(client_as: Callable) -> None:
    task, conversation = handoff("web")
    agent = client_as("agent")

    agent.post(f"/console/conversations/{conversation.pk}/return/")

    task.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.DONE, agent.user.pk)  # type: ignore[attr-defined]
    call = task_for()
    agent.post(f"/console/inbox/tasks/{call.pk}/close/")
    call.refresh_from_db()
    assert (call.status, call.assigned_to_id) == (TaskStatus.DONE, agent.user.pk)  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_supervisor_may_act_on_a_hand_off_another_agent_took(
    client_as: Callable, role: str
) -> None:
    task, conversation = handoff("web")
    ana = taken_by(task)
    supervisor = client_as(role)
    base = f"/console/conversations/{conversation.pk}/"

    replied = supervisor.post(f"{base}reply/", {"text": "Soy la supervisora", "form_key": "s"})
    task.refresh_from_db()
    assert replied.status_code == 302
    assert task.assigned_to_id == ana.pk  # type: ignore[attr-defined]  # still Ana's
    supervisor.post(f"{base}return/")

    task.refresh_from_db()
    conversation.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert conversation.status == ConversationStatus.OPEN
    assert Turn.objects.get(speaker=Speaker.AGENT).text == "Soy la supervisora"


def test_an_agent_who_took_the_hand_off_answers_and_returns_it(client_as: Callable) -> None:
    task, conversation = handoff("web")
    agent = client_as("agent")
    assert take_task(task, user=agent.user) is True  # type: ignore[attr-defined]
    base = f"/console/conversations/{conversation.pk}/"

    assert agent.post(f"{base}reply/", {"text": "Hola", "form_key": "a"}).status_code == 302
    assert agent.post(f"{base}return/")["Location"] == INBOX
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_two_agents_answering_an_open_hand_off_at_once_one_gets_it() -> None:
    """Real concurrency (PostgreSQL): two agents answer the same unassigned hand-off."""
    import threading

    from django.db import connection, connections

    from recaudo.conversations.actions import TaskTakenByAnother, reply_as_agent

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    task, conversation = handoff("web")
    agents = [make_user("agent"), make_user("agent")]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def answer(user: object) -> None:
        try:
            stale = Conversation.objects.get(pk=conversation.pk)
            barrier.wait()
            reply_as_agent(stale, text="Hola", agent_name=str(user), user=user)  # type: ignore[arg-type]
            results.append("sent")
        except TaskTakenByAnother:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused", "sent"]
    task.refresh_from_db()
    turn = Turn.objects.get(speaker=Speaker.AGENT)
    assert task.assigned_to is not None
    assert turn.entities["agent"] == str(task.assigned_to)


# --- After the agents' walkthrough ----------------------------------------------------------


def test_the_reply_label_names_the_textarea(client_as: Callable) -> None:
    _task, conversation = handoff()
    page = client_as("agent").get(f"/console/conversations/{conversation.pk}/").content.decode()
    textarea = re.search(r'<textarea id="([^"]+)" name="text"', page)
    assert textarea
    assert f'<label for="{textarea.group(1)}">' in page


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (
            ConversationStatus.OPEN,
            "The assistant has this conversation: it answers the customer. You can reply here "
            "once the customer is handed off to an adviser.",
        ),
        (
            ConversationStatus.CLOSED,
            "This conversation is closed: nobody has it. The customer's next message starts a "
            "new conversation with the assistant.",
        ),
    ],
)
def test_no_reply_form_unless_the_conversation_is_handed_off(
    client_as: Callable, status: str, says: str
) -> None:
    _task, conversation = handoff()
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    with translation.override("es"):
        page = client_as("agent").get(f"/console/conversations/{conversation.pk}/")
        expected = gettext(says)
    content = page.content.decode()
    assert 'name="text"' not in content and "/reply/" not in content
    assert 'id="reply-unavailable"' in content and expected in content


def test_the_whole_reason_can_be_read_in_the_queue(client_as: Callable) -> None:
    task = task_for()
    reason = "El cliente pide que lo llamen después de las seis. " * 4 + "FIN DEL MOTIVO"
    Task.objects.filter(pk=task.pk).update(reason=reason)
    page = client_as("agent").get(LIST).content.decode()
    cell = page[page.index('class="reason"') :]
    cell = cell[: cell.index("</td>")]
    assert "<details>" in cell and "<summary>" in cell
    assert "FIN DEL MOTIVO" in cell  # the whole text, behind the (keyboard) summary


def test_closing_asks_for_confirmation(client_as: Callable) -> None:
    task = task_for()
    with translation.override("es"):
        page = client_as("agent").get(LIST).content.decode()
        question = escape(gettext("Close this task? It leaves the queue."))
    assert f'hx-confirm="{question}"' in page
    assert 'name="outcome"' in page and f'id="outcome-{task.pk}"' in page


def test_closing_with_an_outcome_writes_a_note_on_the_account(client_as: Callable) -> None:
    from recaudo.debts.models import AccountEvent, Actor, EventKind

    agent = client_as("agent")
    task = task_for()
    agent.post(f"/console/inbox/tasks/{task.pk}/close/", {"outcome": "  Pagará el viernes  "})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    note = AccountEvent.objects.get(kind=EventKind.NOTE)
    assert note.account_id == task.account_id and note.data["text"] == "Pagará el viernes"
    assert (note.actor, note.actor_name) == (Actor.AGENT, agent.user.username)
    # Closing again (already closed) writes no second note; no outcome writes none.
    agent.post(f"/console/inbox/tasks/{task.pk}/close/", {"outcome": "otra"})
    other = task_for()
    agent.post(f"/console/inbox/tasks/{other.pk}/close/", {"outcome": "   "})
    assert AccountEvent.objects.filter(kind=EventKind.NOTE).count() == 1


def test_an_outcome_without_an_account_is_refused_and_the_task_stays_open(
    client_as: Callable,
) -> None:
    agent = client_as("agent")
    task = task_for()
    Task.objects.filter(pk=task.pk).update(account=None)
    response = agent.post(
        f"/console/inbox/tasks/{task.pk}/close/", {"outcome": "Pagará"}, follow=True
    )
    task.refresh_from_db()
    assert task.status != TaskStatus.DONE
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
