"""Django settings. Every value comes from the environment through ``recaudo.lib.env``.

The variables are listed, with their defaults, in README.md ("Configuration").
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from recaudo.lib.env import env_bool, env_int, env_list, env_str, secret_from_env_or_file

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("RECAUDO_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("RECAUDO_DEBUG", False)
SECRET_KEY = secret_from_env_or_file("RECAUDO_SECRET_KEY", DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("RECAUDO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("RECAUDO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "recaudo.debts",
    "recaudo.customers",
    "recaudo.portfolio",
    "recaudo.api",
    "recaudo.policy",
    "recaudo.staff",
    "recaudo.strategies",
    "recaudo.channels",
    "recaudo.conversations",
    "recaudo.payments",
    "recaudo.selfservice",
    "recaudo.analytics",
    "recaudo.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "recaudo.console.access.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "recaudo.urls"
WSGI_APPLICATION = "recaudo.wsgi.application"
ASGI_APPLICATION = "recaudo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recaudo.console.navigation.navigation",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{DATA_DIR / 'recaudo.sqlite3'}"
    config: dict[str, Any] = dict(
        dj_database_url.parse(env_str("DATABASE_URL", default_url), conn_max_age=0)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while a worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
# The console logs a user out after this many minutes without a request.
RECAUDO_CONSOLE_IDLE_MINUTES = env_int("RECAUDO_CONSOLE_IDLE_MINUTES", 30)
# This many failed logins in a row lock the user name for RECAUDO_LOGIN_LOCK_MINUTES.
RECAUDO_LOGIN_MAX_FAILURES = env_int("RECAUDO_LOGIN_MAX_FAILURES", 5)
RECAUDO_LOGIN_LOCK_MINUTES = env_int("RECAUDO_LOGIN_LOCK_MINUTES", 15)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = env_str("RECAUDO_LANGUAGE", "es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
TIME_ZONE = env_str("RECAUDO_TIME_ZONE", "America/Bogota")
USE_I18N = True
USE_TZ = True

LOCALE_PATHS = [BASE_DIR / "recaudo" / "locale"]  # strings outside the apps (settings, lib, urls)

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("RECAUDO_UPLOAD_MAX_MB", 200) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RECAUDO_LOG_LEVEL", "INFO")},
    # httpx logs every request line (with its URL) at INFO: noise at hundreds per second.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

# Which provider sends each channel (see recaudo/channels/registry.py); "fake" records only.
RECAUDO_CHANNEL_PROVIDERS = {
    channel: env_str(f"RECAUDO_{channel.upper()}_PROVIDER", "fake")
    for channel in ("sms", "whatsapp", "rcs", "voice", "email", "push", "letter")
}

# SMS text is transliterated to GSM-7 (aquí → aqui) so a message is not billed as UCS-2 at
# 70 characters per segment; false keeps every accent.
RECAUDO_SMS_GSM7 = env_bool("RECAUDO_SMS_GSM7", True)

# Where customers reach Recaudo's public pages (payment links, self-service, webhooks).
RECAUDO_PUBLIC_URL = env_str("RECAUDO_PUBLIC_URL", "http://127.0.0.1:8000")

# E-mail (provider "smtp", Django's mail).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cobranza@localhost")

# Channel providers: each is usable when its variables are set; `recaudo check` names the
# missing ones for every provider chosen in RECAUDO_CHANNEL_PROVIDERS. ``api_base`` is only
# changed by tests and benchmarks, which play the provider on loopback.
TWILIO = {
    "account_sid": env_str("TWILIO_ACCOUNT_SID"),
    "auth_token": env_str("TWILIO_AUTH_TOKEN"),
    "sms_from": env_str("TWILIO_SMS_FROM"),
    "whatsapp_from": env_str("TWILIO_WHATSAPP_FROM"),
    "voice_from": env_str("TWILIO_VOICE_FROM"),
    "messaging_service_sid": env_str("TWILIO_MESSAGING_SERVICE_SID"),
    "api_base": env_str("TWILIO_API_BASE"),
}
WHATSAPP_CLOUD = {
    "phone_number_id": env_str("WHATSAPP_PHONE_NUMBER_ID"),
    "access_token": env_str("WHATSAPP_ACCESS_TOKEN"),
    "app_secret": env_str("WHATSAPP_APP_SECRET"),
    "verify_token": env_str("WHATSAPP_VERIFY_TOKEN"),
    "api_base": env_str("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0"),
}
RCS_GOOGLE = {
    "agent_id": env_str("RBM_AGENT_ID"),
    "service_account_file": env_str("RBM_SERVICE_ACCOUNT_FILE"),
    "client_token": env_str("RBM_CLIENT_TOKEN"),
    "api_base": env_str("RBM_API_BASE", "https://rcsbusinessmessaging.googleapis.com/v1"),
}
FCM = {
    "project_id": env_str("FCM_PROJECT_ID"),
    "service_account_file": env_str("FCM_SERVICE_ACCOUNT_FILE"),
    "api_base": env_str("FCM_API_BASE", "https://fcm.googleapis.com/v1"),
}

# --- payments ---
# Which payment provider opens checkouts (see recaudo/payments/registry.py): "sandbox" (its own
# test checkout page, for the demo and tests), "stripe" or "mercadopago". `recaudo check` names
# the missing variables of the chosen one. ``api_base`` is only changed by tests.
RECAUDO_PAYMENT_PROVIDER = env_str("RECAUDO_PAYMENT_PROVIDER", "sandbox")
# Signs the sandbox checkout's notices; empty means derived from SECRET_KEY.
RECAUDO_SANDBOX_PAYMENT_SECRET = env_str("RECAUDO_SANDBOX_PAYMENT_SECRET")
# An open checkout of the same account, amount and purpose younger than this is reused (a
# double click opens one checkout).
RECAUDO_CHECKOUT_REUSE_MINUTES = env_int("RECAUDO_CHECKOUT_REUSE_MINUTES", 30)
STRIPE = {
    "secret_key": env_str("STRIPE_SECRET_KEY"),
    "webhook_secret": env_str("STRIPE_WEBHOOK_SECRET"),
    "api_base": env_str("STRIPE_API_BASE"),
}
MERCADOPAGO = {
    "access_token": env_str("MERCADOPAGO_ACCESS_TOKEN"),
    "webhook_secret": env_str("MERCADOPAGO_WEBHOOK_SECRET"),
    "api_base": env_str("MERCADOPAGO_API_BASE"),
}

# --- assistant language model ---
# The intent model trains in about a second on first use and is kept on disk here, under a
# name made of the hash of the training data and the scikit-learn version (a file with another
# hash is never loaded); empty disables the disk cache. See docs/assistant-nlu.md.
RECAUDO_NLU_CACHE_DIR = env_str("RECAUDO_NLU_CACHE_DIR", str(DATA_DIR / "cache" / "nlu"))
# Optional fallback for messages the local model is unsure about: any OpenAI-compatible
# chat-completions endpoint (base URL, e.g. http://127.0.0.1:11434 or https://api.openai.com).
# Off while the URL is empty. It only picks an intent; amounts and dates never come from it.
RECAUDO_LLM_URL = env_str("RECAUDO_LLM_URL")
RECAUDO_LLM_MODEL = env_str("RECAUDO_LLM_MODEL")
RECAUDO_LLM_API_KEY = env_str("RECAUDO_LLM_API_KEY")

# --- web chat ---
# Keep database connections open between requests (seconds; 0 closes them after each request,
# Django's default). Behind a threaded server (gunicorn --threads) 60 saves a PostgreSQL
# connection per request: see docs/web-chat.md and bench/assistant.py.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("RECAUDO_DB_CONN_MAX_AGE", 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
