import pytest


@pytest.fixture(autouse=True)
def _spanish_by_default(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "es"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # Console tests make a user each: PBKDF2's million rounds would cost half a second apiece.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
