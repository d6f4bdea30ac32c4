"""In a real browser: each role sees only its sections; the keyboard; the English switch."""

import re

import pytest
from django.urls import reverse

from recaudo.console.navigation import SECTIONS
from recaudo.staff.roles import MATRIX, Role
from tests.browser.support import t
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def menu(page, language="es"):
    return page.get_by_role("navigation", name=t("Sections", language))


def expected_menu(role, language="es"):
    labels = [t(s.label, language) for s in SECTIONS if s.capability in MATRIX[role]]
    if role == Role.ADMIN:
        labels.append(t("Administration", language))
    return labels


@pytest.mark.parametrize("role", Role.values)
def test_each_role_logs_in_and_sees_only_its_sections(page_as, role):
    page = page_as(role)

    first = next(s for s in SECTIONS if s.capability in MATRIX[role])
    assert page.url.endswith(reverse(first.url_name))
    links = menu(page).get_by_role("link")
    assert links.all_inner_texts() == expected_menu(role)
    current = menu(page).locator("[aria-current=page]")
    assert current.inner_text() == t(first.label)

    forbidden = [s for s in SECTIONS if s.capability not in MATRIX[role]]
    if forbidden:
        response = page.goto(reverse(forbidden[0].url_name))
        assert response.status == 403
        assert page.get_by_role("heading", name=t("Not allowed")).is_visible()
        assert menu(page).get_by_role("link").all_inner_texts() == expected_menu(role)


def test_a_user_with_no_role_sees_why_and_no_menu_entries(page_as):
    page = page_as()

    assert page.get_by_role("heading", name=t("Your user has no role yet")).is_visible()
    assert menu(page).get_by_role("link").count() == 0


def test_a_wrong_password_shows_an_alert_and_stays_on_the_login(page):
    page.goto("/console/login/")
    page.get_by_label(t("User name")).fill("nadie")
    page.get_by_label(t("Password")).fill("mala-clave")
    page.get_by_role("button", name=t("Log in")).click()

    assert page.get_by_role("alert").is_visible()
    assert page.url.endswith("/console/login/")


def test_the_skip_link_is_the_first_tab_stop_and_jumps_to_the_content(page_as):
    page = page_as("agent")

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent, document.activeElement.getAttribute('href')]"
    )
    assert focused == [t("Skip to content"), "#main"]
    assert page.get_by_role("link", name=t("Skip to content")).is_visible()  # shown on focus

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_the_login_form_works_with_the_keyboard_alone(page):
    make_user("agent", username="teclado")
    page.goto("/console/login/")

    page.keyboard.type("teclado")  # the user name field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type("secreto-123")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/inbox/"))

    assert menu(page).is_visible()


def test_the_english_switch_changes_the_menu_language(page_as):
    page = page_as("supervisor")
    assert page.locator("html").get_attribute("lang") == "es"
    assert menu(page).get_by_role("link").all_inner_texts() == expected_menu("supervisor")

    page.get_by_label(t("Language")).select_option("en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")

    assert menu(page, "en").get_by_role("link").all_inner_texts() == expected_menu(
        "supervisor", "en"
    )
    assert page.get_by_role("button", name="Log out").is_visible()
    page.reload()  # the choice sticks (a cookie)
    assert page.locator("html").get_attribute("lang") == "en"


def test_logging_out_from_the_top_bar_ends_the_session(page_as):
    page = page_as("agent")

    page.get_by_role("button", name=t("Log out")).click()
    page.wait_for_url(re.compile(r"/console/login/"))
    page.goto(reverse("console:inbox"))

    assert "/console/login/" in page.url


def test_requests_no_user_triggered_are_marked_as_background(page_as):
    page = page_as("agent")

    with page.expect_request(re.compile(r"/console/inbox/list/")) as poll:
        page.evaluate("() => htmx.ajax('GET', '/console/inbox/list/', '#queue')")

    assert poll.value.headers.get("x-recaudo-background") == "1"
