"""The self-service page: ``/s/<token>`` and ``/p/<token>`` name a customer, ``/portal/verify/``
proves who they are, and the pages under ``/portal/`` show and change their accounts.

Views only parse input, call an action or a query, and render. Nothing about a debt is shown
before verification, and each page serves only the verified customer's own accounts.
"""

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from recaudo.customers.models import Channel, Customer
from recaudo.debts.models import Account, Actor
from recaudo.lib.masking import mask_email
from recaudo.selfservice import actions, queries, session
from recaudo.selfservice.forms import (
    CodeForm,
    IdentityForm,
    PayForm,
    PlanChoiceForm,
    PreferencesForm,
)
from recaudo.selfservice.links import read_self_service_token
from recaudo.strategies.links import read_payment_token
from recaudo.strategies.templating import date_text, money_text

logger = logging.getLogger(__name__)

SOURCE = "self-service"  # consent source and the channel of events written from this page
CODE_RESEND_SECONDS = 60

View = Callable[..., HttpResponse]


# --- helpers ---------------------------------------------------------------------------------


def _timezone(customer: Customer) -> ZoneInfo:
    return ZoneInfo(customer.timezone or customer.creditor.timezone or settings.TIME_ZONE)


def _today(customer: Customer, now: dt.datetime) -> dt.date:
    return timezone.localtime(now, _timezone(customer)).date()


def _chat_url(customer: Customer) -> str:
    return f"/chat/{customer.creditor.slug}/"


def _page(request: HttpRequest, template: str, customer: Customer, **context: Any) -> HttpResponse:
    base = {
        "creditor": customer.creditor,
        "customer": customer,
        "first_name": customer.first_name or customer.full_name,
        "document": queries.masked_document(customer),
        "chat_url": _chat_url(customer),
        "verified": True,
    }
    return render(request, f"selfservice/{template}", base | context)


def verified_page(view: View) -> View:
    """Serve ``view`` to a verified session only, with its customer; anything else goes to
    the verification page (which says to open the link when there is nothing to verify)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer_id = session.verified_customer_id(request, now=timezone.now())
        customer = (
            Customer.objects.select_related("creditor").filter(pk=customer_id).first()
            if customer_id is not None
            else None
        )
        if customer is None:
            return redirect("selfservice:verify")
        return view(request, customer, *args, **kwargs)

    return never_cache(wrapper)


def _own_account(customer: Customer, account_id: int) -> Account:
    account = queries.customer_account(customer, account_id)
    if account is None:
        raise Http404
    return account


# --- links -----------------------------------------------------------------------------------


def _invalid_link(
    request: HttpRequest, *, customer: Customer | None, expired: bool
) -> HttpResponse:
    context = {
        "creditor": customer.creditor if customer else None,
        "chat_url": _chat_url(customer) if customer else "",
        "expired": expired,
    }
    return render(request, "selfservice/link_invalid.html", context, status=410 if expired else 404)


def _expired_owner(read: Callable[[str], int], token: str) -> int | None:
    try:
        return read(token)
    except signing.BadSignature:
        return None


@never_cache
def self_service_entry(request: HttpRequest, token: str) -> HttpResponse:
    """``/s/<token>``: the link names the customer; the page asks them to prove it."""
    try:
        customer_id = read_self_service_token(token)
    except signing.SignatureExpired:
        owner = _expired_owner(lambda value: read_self_service_token(value, max_age=None), token)
        customer = (
            Customer.objects.select_related("creditor").filter(pk=owner).first()
            if owner is not None
            else None
        )
        return _invalid_link(request, customer=customer, expired=True)
    except signing.BadSignature:
        return _invalid_link(request, customer=None, expired=False)
    if not Customer.objects.filter(pk=customer_id).exists():
        return _invalid_link(request, customer=None, expired=False)
    session.set_pending(request, customer_id, reverse("selfservice:home"))
    return redirect("selfservice:verify")


@never_cache
def payment_link_entry(request: HttpRequest, token: str) -> HttpResponse:
    """``/p/<token>``: the payment link of an account; verification, then its pay page."""
    try:
        account_id = read_payment_token(token)
    except signing.SignatureExpired:
        owner = _expired_owner(
            lambda value: read_payment_token(value, max_age=dt.timedelta(days=36500)), token
        )
        account = (
            Account.objects.select_related("customer__creditor").filter(pk=owner).first()
            if owner is not None
            else None
        )
        return _invalid_link(request, customer=account.customer if account else None, expired=True)
    except signing.BadSignature:
        return _invalid_link(request, customer=None, expired=False)
    account = Account.objects.filter(pk=account_id).only("pk", "customer_id").first()
    if account is None:
        return _invalid_link(request, customer=None, expired=False)
    session.set_pending(request, account.customer_id, reverse("selfservice:pay", args=[account.pk]))
    return redirect("selfservice:verify")


# --- verification ----------------------------------------------------------------------------


def _locked_until(customer: Customer, now: dt.datetime) -> dt.datetime | None:
    from recaudo.conversations.verification import lock_status

    status = lock_status(customer, now=now)
    return status.locked_until if status is not None else None


def _safe_next(request: HttpRequest, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("selfservice:home")


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    from recaudo.conversations import verification

    now = timezone.now()
    named = session.pending(request)
    customer = (
        Customer.objects.select_related("creditor").filter(pk=named[0]).first() if named else None
    )
    if customer is None:
        return render(request, "selfservice/no_link.html", status=403)
    if session.verified_customer_id(request, now=now) == customer.pk:
        return redirect(_safe_next(request, named[1] if named else ""))

    identity_form = IdentityForm()
    code_form = CodeForm()
    destinations = verification.code_destinations(customer)
    sent = session.code_sent(request)
    result = None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    locked_until = _locked_until(customer, now)

    if action and locked_until is None:
        if action == "identity":
            identity_form = IdentityForm(request.POST)
            if identity_form.is_valid():
                result = verification.check_identity(
                    customer,
                    document_digits=identity_form.cleaned_data["document_digits"],
                    birth_year=identity_form.cleaned_data["birth_year"],
                    now=now,
                )
                _explain(
                    identity_form,
                    result,
                    unavailable=_("We cannot check these details for you. Ask for a code instead."),
                )
        elif action == "send_code":
            chosen = request.POST.get("destination", "")
            point = next((p for p in destinations if str(p.pk) == chosen), None)
            if point is None:
                messages.error(request, _("Choose where to send the code."))
            elif sent and now.timestamp() - sent[1] < CODE_RESEND_SECONDS:
                messages.info(
                    request,
                    _("We just sent a code to %(destination)s. Wait a minute before asking again.")
                    % {"destination": sent[0]},
                )
            elif verification.send_code(customer, contact_point=point, now=now):
                session.remember_code_sent(request, verification.mask(point), now=now)
                return redirect(reverse("selfservice:verify") + "#code")
            else:
                messages.error(
                    request, _("We could not send the code. Try the other way to verify.")
                )
            return redirect("selfservice:verify")
        elif action == "code":
            code_form = CodeForm(request.POST)
            if code_form.is_valid():
                result = verification.check_code(
                    customer, code=code_form.cleaned_data["code"], now=now
                )
                _explain(
                    code_form,
                    result,
                    unavailable=_("That code expired or was never sent. Ask for a new one."),
                )
        if result is not None:
            if result.outcome == verification.Outcome.VERIFIED:
                return redirect(
                    _safe_next(request, session.mark_verified(request, customer.pk, now=now))
                )
            if result.outcome == verification.Outcome.LOCKED:
                locked_until = result.locked_until or _locked_until(customer, now)

    return render(
        request,
        "selfservice/verify.html",
        {
            "creditor": customer.creditor,
            "chat_url": _chat_url(customer),
            "identity_form": identity_form,
            "code_form": code_form,
            "destinations": [(point.pk, verification.mask(point)) for point in destinations],
            "code_sent_to": sent[0] if sent else "",
            "locked_until": (
                timezone.localtime(locked_until, _timezone(customer)).strftime("%H:%M")
                if locked_until
                else ""
            ),
        },
        status=429 if locked_until else 200,
    )


def _explain(form: IdentityForm | CodeForm, result: Any, *, unavailable: str) -> None:
    from recaudo.conversations.verification import Outcome

    if result.outcome == Outcome.WRONG:
        form.add_error(
            None,
            ngettext(
                "The details do not match our records. You have %(count)d attempt left.",
                "The details do not match our records. You have %(count)d attempts left.",
                result.attempts_left,
            )
            % {"count": result.attempts_left},
        )
    elif result.outcome == Outcome.UNAVAILABLE:
        form.add_error(None, unavailable)


# --- pages -----------------------------------------------------------------------------------


@verified_page
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    return _page(request, "home.html", customer, accounts=queries.accounts_overview(customer))


@verified_page
def account(request: HttpRequest, customer: Customer, account_id: int) -> HttpResponse:
    today = _today(customer, timezone.now())
    detail = queries.account_detail(_own_account(customer, account_id), customer, today=today)
    return _page(request, "account.html", customer, detail=detail, account=detail.account)


def _pay_labels(
    account: Account, customer: Customer, *, full: Decimal, settlement: bool
) -> dict[str, str]:
    locale = queries.locale_for(customer)
    full_text = money_text(full, account.currency, locale)
    return {
        "overdue": _("Overdue amount: %(amount)s")
        % {"amount": money_text(account.overdue_amount, account.currency, locale)},
        "balance": (
            _("Your settlement: %(amount)s") if settlement else _("Full balance: %(amount)s")
        )
        % {"amount": full_text},
        "other": _("Another amount"),
        "limits": (
            _("The amount must be more than zero and at most your settlement, %(balance)s.")
            if settlement
            else _("The amount must be more than zero and at most the balance, %(balance)s.")
        )
        % {"balance": full_text},
    }


@verified_page
def pay(request: HttpRequest, customer: Customer, account_id: int) -> HttpResponse:
    from recaudo.debts.queries import active_settlement, plan_payment_due
    from recaudo.payments.actions import CheckoutRefused, start_checkout
    from recaudo.payments.base import PaymentProviderError

    account = _own_account(customer, account_id)
    view = queries.account_view(account, customer)
    if not view.can_pay:
        return _page(request, "pay.html", customer, account=view, form=None)
    # While a settlement is active, paying "everything" is paying what is left of it.
    settlement = active_settlement(account)
    full = Decimal(account.balance)
    if settlement is not None and 0 < plan_payment_due(settlement) < full:
        full = plan_payment_due(settlement)
    else:
        settlement = None
    form_kwargs: dict[str, Any] = {
        "overdue": Decimal(account.overdue_amount),
        "balance": full,
        "currency": account.currency,
        "labels": _pay_labels(account, customer, full=full, settlement=settlement is not None),
    }
    if request.method == "POST":
        form = PayForm(request.POST, **form_kwargs)
        if form.is_valid():
            key = request.POST.get("key", "")[:64] or actions.new_form_key()
            submission, claimed = actions.claim_form(customer, key)
            if not claimed:
                return _replay(request, submission, account)
            assert submission is not None
            amount = form.cleaned_data["amount"]
            try:
                if settlement is not None and amount == full:
                    checkout = start_checkout(
                        account, amount=amount, purpose="settlement", plan=settlement
                    )
                else:
                    checkout = start_checkout(account, amount=amount)
            except CheckoutRefused as refused:
                actions.release_form(submission)
                messages.error(request, refused.message)
                return redirect("selfservice:pay", account.pk)
            except PaymentProviderError:
                logger.exception("The payment provider failed for account %s", account.pk)
                actions.release_form(submission)
                messages.error(
                    request, _("We could not start the payment. Please try again in a few minutes.")
                )
                return redirect("selfservice:pay", account.pk)
            actions.complete_form(submission, checkout.url)
            return HttpResponseRedirect(checkout.url)
    else:
        form = PayForm(**form_kwargs)
    return _page(
        request, "pay.html", customer, account=view, form=form, form_key=actions.new_form_key()
    )


def _replay(request: HttpRequest, submission: Any, account: Account) -> HttpResponse:
    """A repeated submit goes where the first one went."""
    if submission is None:
        raise Http404
    if submission.redirect_to:
        return HttpResponseRedirect(submission.redirect_to)
    messages.info(request, _("We are processing your request. Check again in a moment."))
    return redirect("selfservice:account", account.pk)


def _option_view(option: Any, locale: str) -> dict[str, Any]:
    def money(amount: Decimal) -> str:
        return money_text(amount, option.currency, locale)

    return {
        "key": option.key,
        "is_settlement": option.kind == "settlement",
        "instalment_count": option.instalment_count,
        "down_payment": money(option.down_payment),
        "has_down_payment": option.down_payment > 0,
        "instalment_amount": money(option.instalment_amount),
        "total": money(option.total),
        "discount": money(option.discount),
        "has_discount": option.discount > 0,
        "first_due_date": date_text(option.first_due_date, locale),
    }


@verified_page
def plan(request: HttpRequest, customer: Customer, account_id: int) -> HttpResponse:
    from recaudo.debts.actions import AgreementRefused, agree_plan
    from recaudo.debts.queries import options_for

    account = _own_account(customer, account_id)
    view = queries.account_view(account, customer)
    today = _today(customer, timezone.now())
    if request.method == "POST":
        form = PlanChoiceForm(request.POST)
        if not form.is_valid():
            return redirect("selfservice:plan", account.pk)
        submission, claimed = actions.claim_form(customer, form.cleaned_data["key"])
        if not claimed:
            return _replay(request, submission, account)
        assert submission is not None
        try:
            agree_plan(
                account,
                option_key=form.cleaned_data["option"],
                today=today,
                channel=SOURCE,
                actor=Actor.CUSTOMER,
                actor_name=customer.full_name,
            )
        except AgreementRefused as refused:
            actions.release_form(submission)
            messages.error(request, str(refused.message))
            return redirect("selfservice:plan", account.pk)
        target = reverse("selfservice:account", args=[account.pk])
        actions.complete_form(submission, target)
        messages.success(
            request,
            _("Your payment plan is agreed. We are sending you its terms in writing."),
        )
        return HttpResponseRedirect(target)

    if view.plan is not None:
        due = queries.plan_payment_due(account)
        locale = queries.locale_for(customer)
        return _page(
            request,
            "plan.html",
            customer,
            account=view,
            options=[],
            chosen=None,
            plan_payment=(
                {
                    "is_settlement": due.purpose == "settlement",
                    "amount": money_text(due.amount, account.currency, locale),
                }
                if due
                else None
            ),
        )
    locale = queries.locale_for(customer)
    options = [_option_view(option, locale) for option in options_for(account, today=today)]
    chosen = next((o for o in options if o["key"] == request.GET.get("option")), None)
    return _page(
        request,
        "plan.html",
        customer,
        account=view,
        options=options,
        chosen=chosen,
        form_key=actions.new_form_key(),
    )


@verified_page
@require_POST
def plan_pay(request: HttpRequest, customer: Customer, account_id: int) -> HttpResponse:
    """Pay the down payment (or the settlement) of the active plan. ``start_checkout`` reuses
    an open checkout of the same amount, so a double submit opens one."""
    from recaudo.payments.actions import CheckoutRefused, start_checkout
    from recaudo.payments.base import PaymentProviderError

    account = _own_account(customer, account_id)
    due = queries.plan_payment_due(account)
    if due is None:
        return redirect("selfservice:plan", account.pk)
    try:
        checkout = start_checkout(account, amount=due.amount, purpose=due.purpose, plan=due.plan)
    except CheckoutRefused as refused:
        messages.error(request, refused.message)
        return redirect("selfservice:plan", account.pk)
    except PaymentProviderError:
        logger.exception("The payment provider failed for account %s", account.pk)
        messages.error(
            request, _("We could not start the payment. Please try again in a few minutes.")
        )
        return redirect("selfservice:plan", account.pk)
    return HttpResponseRedirect(checkout.url)


@verified_page
def statement_pdf(request: HttpRequest, customer: Customer) -> HttpResponse:
    from recaudo.debts import statements

    today = _today(customer, timezone.now())
    pdf = statements.statement_pdf(customer, as_of=today)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = _("statement") + f"-{today.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@verified_page
def statement(request: HttpRequest, customer: Customer) -> HttpResponse:
    """GET: the statement options; POST: e-mail it to the address on file."""
    from recaudo.debts import statements

    if request.method == "POST":
        message = statements.send_statement(
            customer, today=_today(customer, timezone.now()), actor=Actor.CUSTOMER, channel=SOURCE
        )
        if message is None:
            messages.error(
                request,
                _("We have no e-mail address on file for you. Download the statement instead."),
            )
        else:
            messages.success(
                request,
                _("We sent your statement to %(address)s.")
                % {"address": mask_email(message.address)},
            )
        return redirect("selfservice:statement")
    return _page(request, "statement.html", customer)


@verified_page
def preferences(request: HttpRequest, customer: Customer) -> HttpResponse:
    from recaudo.customers.actions import update_preferences

    available = queries.available_channels(customer)
    labels = dict(Channel.choices)
    choices = [(channel, capfirst(str(labels[channel]))) for channel in available]
    accepted = queries.accepted_channels(customer)
    current = {
        "channels": accepted,
        "preferred": next((c for c in customer.preferred_channels if c in accepted), ""),
        "hours_start": customer.preferred_hours_start,
        "hours_end": customer.preferred_hours_end,
    }
    if request.method == "POST":
        form = PreferencesForm(request.POST, channels=choices)
        if form.is_valid():
            update_preferences(
                customer,
                accepted_channels=form.chosen_channels(),
                preferred_channel=form.cleaned_data.get("preferred") or "",
                hours_start=form.cleaned_data["hours_start"],
                hours_end=form.cleaned_data["hours_end"],
                asked=available,
                source=SOURCE,
            )
            messages.success(request, _("Your preferences are saved."))
            return redirect("selfservice:preferences")
    else:
        form = PreferencesForm(initial=current, channels=choices)
    return _page(request, "preferences.html", customer, form=form)


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    session.log_out(request)
    return render(request, "selfservice/logged_out.html")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch between Spanish and English (a cookie, read by LocaleMiddleware)."""
    code = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("selfservice:verify")
    response = HttpResponseRedirect(next_url)
    if code in dict(settings.LANGUAGES):
        translation.activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
