"""Logging in and out: the audit, the lockout, the idle timeout, the landing page, the language."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from recaudo.console.navigation import SECTIONS
from recaudo.staff.models import AuditEntry, LoginLock
from recaudo.staff.roles import MATRIX, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/console/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "secreto-123"
# A fixed instant (08:00 in Bogotá) so the lock's end has a known local time.
START = datetime(2026, 3, 2, 13, 0, tzinfo=ZoneInfo("UTC"))
LOCKED_MSGID = (
    "Too many failed attempts for this user. For your security the account is "
    "locked until %(time)s; try again then, or ask an administrator to unlock it."
)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lockout(settings):
    settings.RECAUDO_LOGIN_MAX_FAILURES = 3
    settings.RECAUDO_LOGIN_LOCK_MINUTES = 15
    return settings


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def login(client, username, password=PASSWORD, url=LOGIN, next=None, **headers):
    data = {"username": username, "password": password}
    if next is not None:
        data["next"] = next
    return client.post(url, data, **headers)


def errors(response):
    return [str(error) for error in response.context["form"].non_field_errors()]


def local_hh_mm(moment):
    return formats.time_format(timezone.localtime(moment), "H:i")


# -- logging in ---------------------------------------------------------------------------------


def test_the_login_page_is_in_spanish_with_labelled_fields(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_a_login_opens_the_console_and_is_audited(client):
    user = make_user("agent", username="ana")

    response = login(client, "ana", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")
    assert logged_in_user_id(client) == str(user.pk)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.username) == ("login", user, "ana")
    assert (entry.path, entry.ip) == (LOGIN, "10.1.2.3")


def test_a_login_goes_to_the_page_it_was_asked_for(client):
    make_user("agent", username="ana")

    response = login(client, "ana", next="/console/customers/")

    assert response["Location"] == "/console/customers/"


def test_a_login_refuses_to_redirect_to_another_site(client):
    make_user("agent", username="ana")

    response = login(client, "ana", next="https://evil.example/")

    assert response["Location"] == reverse("console:home")


def test_a_wrong_password_is_refused_and_audited(client):
    make_user("agent", username="ana")

    response = login(client, "ana", "wrong-password")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert errors(response) and 'role="alert"' in response.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.username) == ("login_failed", None, "ana")
    assert LoginLock.objects.get(username="ana").failures == 1


def test_an_unknown_user_name_is_audited_and_counted_like_a_wrong_password(client):
    response = login(client, "nobody", "whatever")

    assert response.status_code == 200
    assert AuditEntry.objects.get().username == "nobody"
    assert LoginLock.objects.get(username="nobody").failures == 1


def test_an_inactive_user_cannot_log_in(client):
    user = make_user("agent", username="ana")
    user.is_active = False
    user.save()

    login(client, "ana")

    assert logged_in_user_id(client) is None


# -- lockout ------------------------------------------------------------------------------------


def test_too_many_failures_lock_the_user_name_even_for_the_right_password(client, lockout, clock):
    make_user("agent", username="ana")

    for _attempt in range(2):
        assert "locked" not in [e.code for e in login_errors(client, "ana", "wrong")]
    third = login(client, "ana", "wrong")
    clock.shift(timedelta(minutes=5))
    right = login(client, "ana")

    until = START + timedelta(minutes=15)
    assert LoginLock.objects.get(username="ana").locked_until == until
    for response in (third, right):
        assert response.status_code == 200
        assert any(local_hh_mm(until) in error for error in errors(response))  # 08:15 Bogotá
    assert local_hh_mm(until) == "08:15"
    assert logged_in_user_id(client) is None
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["login_failed"] * 3 + ["locked_out"]


def login_errors(client, username, password):
    response = login(client, username, password)
    return response.context["form"].non_field_errors().as_data()


def test_the_lockout_message_is_in_spanish_and_names_the_time(client, lockout, clock):
    make_user("agent", username="ana")
    for _attempt in range(3):
        login(client, "ana", "wrong")

    response = login(client, "ana")

    message = " ".join(errors(response))
    assert "08:15" in message
    assert "bloquead" in message.lower()
    with translation.override("es"):
        assert message == gettext(LOCKED_MSGID) % {"time": "08:15"}


def test_the_lock_ends_after_the_configured_minutes(client, lockout, clock):
    user = make_user("agent", username="ana")
    for _attempt in range(3):
        login(client, "ana", "wrong")

    clock.shift(timedelta(minutes=14, seconds=59))
    login(client, "ana")
    assert logged_in_user_id(client) is None

    clock.shift(timedelta(seconds=2))
    login(client, "ana")
    assert logged_in_user_id(client) == str(user.pk)
    assert not LoginLock.objects.filter(username="ana").exists()


def test_a_success_clears_the_count(client, lockout, clock):
    user = make_user("agent", username="ana")
    login(client, "ana", "wrong")
    login(client, "ana", "wrong")
    login(client, "ana")
    client.post(reverse("console:logout"))

    login(client, "ana", "wrong")
    login(client, "ana", "wrong")
    login(client, "ana")

    assert logged_in_user_id(client) == str(user.pk)


def test_an_empty_password_does_not_clear_the_count(client, lockout, clock):
    make_user("agent", username="ana")
    login(client, "ana", "wrong")
    login(client, "ana", "wrong")
    login(client, "ana", "")

    login(client, "ana", "wrong")

    assert LoginLock.objects.get(username="ana").locked_until is not None
    login(client, "ana")
    assert logged_in_user_id(client) is None


def test_after_an_expired_lock_the_count_starts_again(client, lockout, clock):
    make_user("agent", username="ana")
    for _attempt in range(3):
        login(client, "ana", "wrong")
    clock.shift(timedelta(minutes=16))

    login(client, "ana", "wrong")

    lock = LoginLock.objects.get(username="ana")
    assert (lock.failures, lock.locked_until) == (1, None)


def test_the_lock_ignores_upper_and_lower_case(client, lockout, clock):
    make_user("agent", username="ana")
    for name in ("ANA", "Ana", "ana"):
        login(client, name, "wrong")

    login(client, "ana")

    assert logged_in_user_id(client) is None


def test_a_lock_on_one_user_name_leaves_the_others_alone(client, lockout, clock):
    other = make_user("agent", username="beto")
    make_user("agent", username="ana")
    for _attempt in range(3):
        login(client, "ana", "wrong")

    login(client, "beto")

    assert logged_in_user_id(client) == str(other.pk)


# -- the admin logs in through the same view ------------------------------------------------------


def test_the_admin_login_is_the_console_login(client):
    response = client.get(ADMIN_LOGIN)

    assert response.status_code == 200
    assert "console/login.html" in [template.name for template in response.templates]


def test_an_administrator_logs_in_to_the_admin_and_is_audited(client):
    user = make_user("admin", username="root")

    response = login(client, "root", url=ADMIN_LOGIN, next="/admin/")

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.path) == ("login", user, ADMIN_LOGIN)


def test_failures_on_the_admin_login_lock_the_name_there_and_in_the_console(client, lockout, clock):
    make_user("admin", username="root")
    for _attempt in range(3):
        login(client, "root", "wrong", url=ADMIN_LOGIN)

    on_admin = login(client, "root", url=ADMIN_LOGIN)
    on_console = login(client, "root")

    assert logged_in_user_id(client) is None
    for response in (on_admin, on_console):
        assert any("08:15" in error for error in errors(response))
    assert AuditEntry.objects.filter(action="locked_out").count() == 2


def test_a_logged_in_user_who_is_not_staff_sees_the_admin_login_not_a_redirect_loop(client):
    client.force_login(make_user("agent"))

    response = client.get("/admin/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(f"{ADMIN_LOGIN}?next=/admin/", 302)]
    assert "console/login.html" in [template.name for template in response.templates]


# -- idle timeout -------------------------------------------------------------------------------


def test_an_idle_session_ends_and_the_login_says_why(client, settings, clock):
    settings.RECAUDO_CONSOLE_IDLE_MINUTES = 30
    user = make_user("agent", username="ana")
    login(client, "ana")
    assert client.get(reverse("console:inbox")).status_code == 200

    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("console:inbox"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?expired=1"
    assert logged_in_user_id(client) is None
    entry = AuditEntry.objects.get(action="session_expired")
    assert (entry.user, entry.path) == (user, reverse("console:inbox"))
    notice = client.get(response["Location"]).content.decode()
    assert 'role="status"' in notice
    assert client.get(reverse("console:inbox")).status_code == 302  # still logged out


def test_activity_within_the_window_keeps_the_session(client, settings, clock):
    settings.RECAUDO_CONSOLE_IDLE_MINUTES = 30
    make_user("agent", username="ana")
    login(client, "ana")

    for _request in range(6):  # three hours in all, never 30 minutes apart
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("console:inbox")).status_code == 200

    assert not AuditEntry.objects.filter(action="session_expired").exists()


def test_background_polls_do_not_keep_an_idle_session_alive(client, settings, clock):
    settings.RECAUDO_CONSOLE_IDLE_MINUTES = 30
    make_user("agent", username="ana")
    login(client, "ana")
    assert client.get(reverse("console:inbox")).status_code == 200
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_RECAUDO_BACKGROUND": "1"}

    clock.shift(timedelta(minutes=20))
    assert client.get(reverse("console:inbox"), **poll).status_code == 200
    clock.shift(timedelta(minutes=20))
    response = client.get(reverse("console:inbox"), **poll)

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?expired=1"
    assert AuditEntry.objects.filter(action="session_expired").count() == 1


def test_an_htmx_request_without_a_session_sends_the_whole_page_to_the_login(client):
    response = client.get(reverse("console:inbox"), HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == LOGIN


def test_the_idle_timeout_also_ends_an_admin_session(client, settings, clock):
    settings.RECAUDO_CONSOLE_IDLE_MINUTES = 30
    client.force_login(make_user("admin"))
    assert client.get("/admin/").status_code == 200

    clock.shift(timedelta(minutes=31))

    assert client.get("/admin/")["Location"] == f"{LOGIN}?expired=1"


# -- logout -------------------------------------------------------------------------------------


def test_logout_is_post_only(client_as):
    client = client_as("agent")

    assert client.get(reverse("console:logout")).status_code == 405
    assert logged_in_user_id(client) is not None


def test_logout_ends_the_session_and_is_audited(client_as):
    client = client_as("agent")

    response = client.post(reverse("console:logout"))

    assert response["Location"] == LOGIN
    assert logged_in_user_id(client) is None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user) == ("logout", client.user)
    assert client.get(reverse("console:inbox")).status_code == 302


def test_the_top_bar_logs_out_with_a_post_form(client_as):
    html = client_as("agent").get(reverse("console:inbox")).content.decode()

    assert f'<form action="{reverse("console:logout")}" method="post">' in html


# -- the landing page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_home_sends_each_role_to_its_first_section(client_as, role):
    first = next(section for section in SECTIONS if section.capability in MATRIX[role])

    response = client_as(role).get(reverse("console:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse(first.url_name)


def test_a_user_with_no_role_sees_the_no_role_page(client_as):
    response = client_as().get(reverse("console:home"))

    assert response.status_code == 403
    assert "console/no_role.html" in [template.name for template in response.templates]
    assert response.context["console_sections"] == []


def test_home_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("console:home"))

    assert response["Location"] == f"{LOGIN}?next={reverse('console:home')}"


def test_a_logged_in_user_opening_the_login_goes_to_the_console(client_as):
    response = client_as("agent").get(LOGIN)

    assert response["Location"] == reverse("console:home")


# -- language -----------------------------------------------------------------------------------


def test_the_language_switch_turns_the_console_english(client_as):
    client = client_as("agent")
    inbox = reverse("console:inbox")
    assert '<html lang="es">' in client.get(inbox).content.decode()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": inbox})

    assert switched["Location"] == inbox
    html = client.get(inbox).content.decode()
    assert '<html lang="en">' in html
    assert ">My inbox</a>" in html and ">Log out</button>" in html


def test_the_switch_is_offered_in_every_language_with_a_label(client_as):
    html = client_as("agent").get(reverse("console:inbox")).content.decode()

    assert '<label for="language-select"' in html
    assert '<option value="es" selected>' in html and '<option value="en">' in html


def test_an_administrator_unlocks_a_user_name_in_the_admin(client, lockout, clock):
    make_user("agent", username="ana")
    for _attempt in range(3):
        login(client, "ana", "wrong")
    lock = LoginLock.objects.get(username="ana")
    client.force_login(make_user("admin"))

    listing = client.get("/admin/staff/loginlock/")
    deleted = client.post(f"/admin/staff/loginlock/{lock.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and "ana" in listing.content.decode()
    assert deleted.status_code == 302
    assert not LoginLock.objects.exists()
    client.post(reverse("console:logout"))
    login(client, "ana")
    assert logged_in_user_id(client) is not None


def test_a_look_alike_user_name_meets_the_same_lock(client, lockout, clock):
    """Django's UsernameField normalises with NFKC: a full-width "ana" (U+FF41) logs in as
    "ana", so it must meet the lock of "ana"."""
    make_user("agent", username="ana")
    for _attempt in range(3):
        login(client, "ana", "wrong")

    response = login(client, "\uff41na")  # full-width a, the right password
    also = login(client, "ANA")

    assert logged_in_user_id(client) is None
    for refused in (response, also):
        assert "locked" in [
            error.code for error in refused.context["form"].non_field_errors().as_data()
        ]


def test_failures_under_look_alike_names_count_together(client, lockout, clock):
    make_user("agent", username="ana")
    for name in ("ana", "\uff41na", "ANA"):
        login(client, name, "wrong")

    assert LoginLock.objects.get(username="ana").locked_until == START + timedelta(minutes=15)
    login(client, "ana")
    assert logged_in_user_id(client) is None
