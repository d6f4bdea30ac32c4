"""The console's login form: Django's, plus the lockout after repeated failures."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from recaudo.staff.actions import (
    clear_failed_logins,
    login_lock_key,
    login_locked_until,
    record_audit,
    register_failed_login,
)
from recaudo.staff.models import AuditAction


class LoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        # One key for the lock, normalised as Django's UsernameField normalises the name, so a
        # look-alike spelling (full-width, another case) meets the same lock.
        key = login_lock_key(username)
        now = timezone.now()
        locked_until = login_locked_until(key, now=now) if key else None
        if locked_until is not None:
            record_audit(None, AuditAction.LOCKED_OUT, username=username, request=self.request)
            raise self.locked_error(locked_until)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if key:
                locked_until = register_failed_login(key, now=now)
                record_audit(
                    None, AuditAction.LOGIN_FAILED, username=username, request=self.request
                )
                if locked_until is not None:
                    raise self.locked_error(locked_until) from None
            raise
        if self.user_cache is not None:
            # Only a real success clears the count: a post with an empty field must not.
            clear_failed_logins(key)
        return cleaned

    def locked_error(self, until: Any) -> forms.ValidationError:
        local = timezone.localtime(until)
        return forms.ValidationError(
            _(
                "Too many failed attempts for this user. For your security the account is "
                "locked until %(time)s; try again then, or ask an administrator to unlock it."
            )
            % {"time": formats.time_format(local, "H:i")},
            code="locked",
        )
