"""Helpers for the browser tests (kept out of conftest.py so test modules can import them)."""

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

PASSWORD = "secreto-123"


def t(message: str | Promise, language: str = "es") -> str:
    """The text the console shows for this msgid (or lazy text) in that language.

    Tests compare with it rather than with literal Spanish, so they follow the catalogue.
    """
    with translation.override(language):
        return str(message) if isinstance(message, Promise) else gettext(message)


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/console/login/")
    page.get_by_label(t("User name")).fill(username)
    page.get_by_label(t("Password")).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Log in")).click()
