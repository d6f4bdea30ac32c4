"""One small function per rule. Each returns a ``Refusal`` (rule id, source, reason) or None.

Two kinds: *permanent* checks take the request and its jurisdiction and cannot be passed by
waiting (a hold, a reference, an opt-out); *timed* checks take an ``Evaluation`` and an instant,
so ``decide`` can search forward for the next instant every one of them allows.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from recaudo.policy.i18n import gettext as _
from recaudo.policy.i18n import gettext_noop
from recaudo.policy.jurisdictions import (
    ATTEMPTS,
    CONNECTED,
    CONSECUTIVE_DAYS,
    CONVERSATIONS,
    EFFECTIVE,
    GENERIC_HOLD,
    LOCAL_DAY,
    MIN_GAP,
    NO_CALLS_AFTER_CONVERSATION,
    ROLLING,
    SINGLE_CHANNEL_AFTER_CONVERSATION,
    UNANSWERED,
    VOICE,
    VOICE_BUFFER,
    Cap,
    Jurisdiction,
    Window,
    holiday_dates,
)
from recaudo.policy.types import OUTBOUND, ContactRequest, Interaction

CREDITOR_SOURCE = "Creditor's own contact limits (Creditor.contact_limits)"
CUSTOMER_SOURCE = "The customer's stated preferences"
COHERENCE_SOURCE = "Coherent follow-up (Recaudo policy)"

REPLY = "reply"
TRANSACTIONAL = "transactional"
DUNNING = "dunning"
PROMISE_REMINDER = "promise_reminder"
PURPOSES = (DUNNING, REPLY, PROMISE_REMINDER, TRANSACTIONAL)
NEVER_CONTACTED_ROLES = frozenset({"reference", "third_party"})
# Our answer to a message the customer sent on the same channel this recently is part of the
# conversation they started: compliance.md §6, "information requested by the consumer".
LIVE_REPLY_WINDOW = timedelta(minutes=30)
LIVE_REPLY_SOURCE = (
    "Information requested by the consumer in a conversation they started "
    "(compliance.md §6; Colombia's exception for information the consumer requests)"
)
LOOKBACK = timedelta(days=8)

WEEKDAY_NAMES = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)

HOLD_REASONS = {
    "dispute": gettext_noop("The debt is disputed: no collection contact until it is resolved."),
    "lawsuit_served": gettext_noop(
        "A collection lawsuit has been served: extrajudicial contact must stop."
    ),
    "insolvency": gettext_noop("Insolvency proceedings are open: collection contact must stop."),
    "attorney": gettext_noop(
        "The customer is represented by an attorney: contact the attorney instead."
    ),
    "cease_request": gettext_noop("The customer asked us to stop contacting them."),
    "deceased": gettext_noop("The customer is deceased."),
    "settled": gettext_noop("The debt is settled: no more collection messages."),
}


@dataclass(frozen=True)
class Refusal:
    rule: str
    source: str
    reason: str


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_reply(request: ContactRequest) -> bool:
    return request.initiated_by_customer or request.purpose == REPLY


def is_live_reply(request: ContactRequest) -> bool:
    """An answer, sent now, to a message the customer sent on this channel within
    ``LIVE_REPLY_WINDOW``: the self-service assistant answering at 23:00 the question asked at
    23:00. The time rules do not hold it back; the permanent ones (opt-outs, roles, most holds)
    still do. An answer delayed beyond the window is an ordinary reply again."""
    if request.purpose != REPLY or not request.initiated_by_customer:
        return False
    since = request.at - LIVE_REPLY_WINDOW
    return any(
        event.direction != OUTBOUND
        and event.channel == request.channel
        and since <= event.at <= request.at
        for event in request.history
    )


def is_exempt_from_caps(request: ContactRequest) -> bool:
    """Answers to the customer and receipts are not collection attempts."""
    return is_reply(request) or request.purpose == TRANSACTIONAL


# --- Permanent checks -----------------------------------------------------------------------


def check_holds(request: ContactRequest, jurisdiction: Jurisdiction) -> Refusal | None:
    for hold in request.holds:
        if hold == "settled" and request.purpose in (REPLY, TRANSACTIONAL):
            continue
        if hold == "dispute" and is_live_reply(request):
            # Acknowledging the dispute the customer is raising right now is not collection.
            continue
        source = jurisdiction.hold_sources.get(hold, GENERIC_HOLD)
        reason = HOLD_REASONS.get(hold, gettext_noop("A hold stops collection contact."))
        return Refusal(f"hold.{hold}", source, _(reason))
    return None


def check_recipient_role(request: ContactRequest, jurisdiction: Jurisdiction) -> Refusal | None:
    role = request.recipient_role
    if role in jurisdiction.allowed_roles and role not in NEVER_CONTACTED_ROLES:
        return None
    spec = jurisdiction.roles
    if role == "reference":
        reason = _("References are never contacted about the debt.")
    else:
        reason = _("Only the debtor, co-debtors and guarantors may be contacted about the debt.")
    return Refusal(spec.rule, spec.source, reason)


def check_settled(request: ContactRequest, jurisdiction: Jurisdiction) -> Refusal | None:
    if not request.debt_settled or request.purpose in (REPLY, TRANSACTIONAL):
        return None
    return Refusal(
        "coherence.debt_settled",
        COHERENCE_SOURCE,
        _("The debt is settled: no more collection messages."),
    )


def _answered_once(request: ContactRequest) -> bool:
    """Whether a message the person sent on this channel is still unanswered on it."""
    last_inbound: datetime | None = None
    last_outbound: datetime | None = None
    for event in request.history:
        if event.channel != request.channel or event.at > request.at:
            continue
        if event.direction == OUTBOUND:
            last_outbound = event.at if last_outbound is None else max(last_outbound, event.at)
        else:
            last_inbound = event.at if last_inbound is None else max(last_inbound, event.at)
    return last_inbound is not None and (last_outbound is None or last_outbound < last_inbound)


def check_opt_out(request: ContactRequest, jurisdiction: Jurisdiction) -> Refusal | None:
    if request.channel not in request.opted_out_channels:
        return None
    spec = jurisdiction.opt_out
    if request.purpose == TRANSACTIONAL and request.initiated_by_customer:
        # The answer to the customer's own message on this channel, such as the confirmation
        # of the opt-out itself; the sender queues it once (a deduplication key).
        return None
    if jurisdiction.reply_once_after_opt_out:
        # The US: a medium the person opted out of may carry one answer to their own message.
        if is_reply(request) and _answered_once(request):
            return None
    elif is_live_reply(request):
        # Elsewhere the opt-out stops our contact, not our answers to what the customer is
        # asking on that channel right now (the opt-out confirmation says they may still write).
        return None
    return Refusal(
        spec.rule,
        spec.source,
        _("The customer opted out of this channel: %(channel)s.") % {"channel": request.channel},
    )


def check_authorised_channels(
    request: ContactRequest, jurisdiction: Jurisdiction
) -> Refusal | None:
    """Default-deny countries (Colombia) allow only the channels the customer authorised; in the
    others every channel is allowed unless the customer opted out of it (``check_opt_out``)."""
    if not jurisdiction.consent_default_deny or is_reply(request):
        return None
    authorised = request.authorised_channels
    if authorised is None:
        reason = _(
            "The customer has not authorised any channel, and this country only allows the "
            "channels the customer authorised."
        )
    elif request.channel in authorised:
        return None
    else:
        reason = _("The customer has not authorised this channel: %(channel)s.") % {
            "channel": request.channel
        }
    spec = jurisdiction.consent
    return Refusal(spec.rule, spec.source, reason)


def check_preferred_channels(request: ContactRequest, jurisdiction: Jurisdiction) -> Refusal | None:
    if not request.preferred_channels or request.channel in request.preferred_channels:
        return None
    if is_exempt_from_caps(request):
        return None
    return Refusal(
        "customer.preferred_channels",
        CUSTOMER_SOURCE,
        _("The customer prefers other channels: %(channels)s.")
        % {"channels": ", ".join(request.preferred_channels)},
    )


PermanentCheck = Callable[[ContactRequest, Jurisdiction], Refusal | None]
PERMANENT_CHECKS: tuple[PermanentCheck, ...] = (
    check_holds,
    check_recipient_role,
    check_settled,
    check_opt_out,
    check_authorised_channels,
    check_preferred_channels,
)


# --- Timed checks ---------------------------------------------------------------------------


def _counts(cap_counts: str, event: Interaction) -> bool:
    outbound = event.direction == OUTBOUND and not event.initiated_by_customer
    if cap_counts == ATTEMPTS:
        return outbound
    if cap_counts == CONNECTED:
        return outbound and event.connected
    if cap_counts == EFFECTIVE:
        return outbound and event.conversation
    if cap_counts == UNANSWERED:
        return outbound and not event.conversation
    if cap_counts == CONVERSATIONS:
        return event.conversation
    raise ValueError(f"Unknown count {cap_counts!r}")


def _same_debt(request: ContactRequest, event: Interaction) -> bool:
    # A contact whose debt we do not know counts for every debt (the conservative reading).
    return request.debt_id is None or event.debt_id is None or event.debt_id == request.debt_id


class Evaluation:
    """What every timed check needs about one request, computed once."""

    def __init__(self, request: ContactRequest, jurisdiction: Jurisdiction) -> None:
        self.request = request
        self.jurisdiction = jurisdiction
        names = request.timezones or (jurisdiction.default_timezone,)
        self.zones: tuple[ZoneInfo, ...] = tuple(zone(name) for name in names)
        self.primary = self.zones[0]
        self.windows: tuple[Window | None, ...] = jurisdiction.windows
        self.voice = request.channel == VOICE
        self.apply_caps = not is_exempt_from_caps(request)
        self.apply_preferences = self.apply_caps
        self.paused_until = request.paused_until if request.purpose == DUNNING else None
        # Events about this person (each recipient has their own counters), oldest first. No
        # rule looks back more than 7 days (a local day more for day-based ones), and the search
        # for the next allowed time only goes forward.
        since = request.at.astimezone(UTC) - LOOKBACK
        role = request.recipient_role
        person = [
            event
            for event in request.history
            if event.recipient_role == role and since < event.at <= request.at
        ]
        person.sort(key=lambda event: event.at)
        # The local day of each event, in the first zone (day-based caps count by it).
        self._days = {id(event): event.at.astimezone(self.primary).date() for event in person}
        self.outbound = [event for event in person if event.direction == OUTBOUND]
        self.caps: list[tuple[Cap, list[Interaction]]] = []
        if self.apply_caps:
            for cap in jurisdiction.caps:
                if cap.applies_to is not None and request.channel not in cap.applies_to:
                    continue
                counted = [
                    event
                    for event in person
                    if (cap.counted_channels is None or event.channel in cap.counted_channels)
                    and _counts(cap.counts, event)
                    and (not cap.per_debt or _same_debt(request, event))
                ]
                self.caps.append((cap, counted))

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.primary).date()

    def day_of(self, event: Interaction) -> date:
        return self._days[id(event)]


Locals = Sequence[datetime]


def _zone_name(local: datetime) -> str:
    return local.tzinfo.key if isinstance(local.tzinfo, ZoneInfo) else str(local.tzinfo)


def _weekday_name(day: date) -> str:
    return _(WEEKDAY_NAMES[day.weekday()])


def check_pause(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    if ctx.paused_until is None or moment >= ctx.paused_until:
        return None
    return Refusal(
        "coherence.promise_pause",
        COHERENCE_SOURCE,
        _("An active promise or payment plan pauses reminders until %(until)s.")
        % {"until": ctx.paused_until.astimezone(ctx.primary).strftime("%Y-%m-%d %H:%M")},
    )


def check_days(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    for local in local_times:
        if ctx.windows[local.weekday()] is None:
            spec = ctx.jurisdiction.days
            return Refusal(
                spec.rule,
                spec.source,
                _("No contact on %(weekday)s in %(jurisdiction)s (%(date)s, %(zone)s).")
                % {
                    "weekday": _weekday_name(local.date()),
                    "jurisdiction": ctx.jurisdiction.name,
                    "date": local.date().isoformat(),
                    "zone": _zone_name(local),
                },
            )
    return None


def check_holidays(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    spec = ctx.jurisdiction.holidays
    if spec is None:
        return None
    for local in local_times:
        day = local.date()
        if day in holiday_dates(ctx.jurisdiction.code, day.year):
            return Refusal(
                spec.rule,
                spec.source,
                _("%(date)s is a public holiday in %(jurisdiction)s: no contact.")
                % {"date": day.isoformat(), "jurisdiction": ctx.jurisdiction.name},
            )
    return None


def _inside(clock: time, start: time, end: time) -> bool:
    """Start-inclusive, end-exclusive; a window whose end is before its start spans midnight."""
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end


def check_hours(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    for local in local_times:
        window = ctx.windows[local.weekday()]
        if window is not None and not _inside(local.time(), *window):
            spec = ctx.jurisdiction.hours
            return Refusal(
                spec.rule,
                spec.source,
                _("%(time)s in %(zone)s is outside the allowed hours (%(start)s to %(end)s).")
                % {
                    "time": local.strftime("%H:%M"),
                    "zone": _zone_name(local),
                    "start": window[0].strftime("%H:%M"),
                    "end": window[1].strftime("%H:%M"),
                },
            )
    return None


def _minus(clock: time, delta: timedelta) -> time:
    return (datetime.combine(date(2000, 1, 2), clock) - delta).time()


def check_voice_buffer(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    if not ctx.voice:
        return None
    buffer = ctx.jurisdiction.voice_buffer
    for local in local_times:
        window = ctx.windows[local.weekday()]
        if window is None or window[0] > window[1]:
            continue
        if local.time() >= _minus(window[1], buffer):
            return Refusal(
                f"{ctx.jurisdiction.code}.{VOICE_BUFFER.rule}",
                VOICE_BUFFER.source,
                _("Calls stop %(minutes)s minutes before the window closes at %(end)s (%(zone)s).")
                % {
                    "minutes": int(buffer.total_seconds() // 60),
                    "end": window[1].strftime("%H:%M"),
                    "zone": _zone_name(local),
                },
            )
    return None


def check_creditor_days(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    if ctx.request.creditor_limits.allow_sundays_and_holidays:
        return None
    for local in local_times:
        day = local.date()
        if day.weekday() == 6 or day in holiday_dates(ctx.jurisdiction.code, day.year):
            return Refusal(
                "creditor.sundays_and_holidays",
                CREDITOR_SOURCE,
                _("The creditor does not contact customers on Sundays or holidays (%(date)s).")
                % {"date": day.isoformat()},
            )
    return None


def check_creditor_hours(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    limits = ctx.request.creditor_limits
    if limits.hours_start is None and limits.hours_end is None:
        return None
    start = limits.hours_start or time(0)
    end = limits.hours_end or time.max
    for local in local_times:
        if not _inside(local.time(), start, end):
            return Refusal(
                "creditor.hours",
                CREDITOR_SOURCE,
                _("%(time)s is outside the creditor's contact hours (%(start)s to %(end)s).")
                % {
                    "time": local.strftime("%H:%M"),
                    "start": start.strftime("%H:%M"),
                    "end": end.strftime("%H:%M"),
                },
            )
    return None


def check_creditor_caps(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    limits = ctx.request.creditor_limits
    if not ctx.apply_caps:
        return None
    if limits.max_per_day is not None:
        today = ctx.local_date(moment)
        count = sum(1 for event in ctx.outbound if ctx.day_of(event) == today)
        if count >= limits.max_per_day:
            return Refusal(
                "creditor.max_per_day",
                CREDITOR_SOURCE,
                _("The creditor allows at most %(limit)s contacts a day; %(count)s already today.")
                % {"limit": limits.max_per_day, "count": count},
            )
    if limits.max_per_week is not None:
        since = moment - timedelta(days=7)
        count = sum(1 for event in ctx.outbound if since < event.at <= moment)
        if count >= limits.max_per_week:
            return Refusal(
                "creditor.max_per_week",
                CREDITOR_SOURCE,
                _(
                    "The creditor allows at most %(limit)s contacts in 7 days; "
                    "%(count)s in the last 7 days."
                )
                % {"limit": limits.max_per_week, "count": count},
            )
    return None


def check_preferred_hours(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    hours = ctx.request.preferred_hours
    if hours is None or not ctx.apply_preferences:
        return None
    local = local_times[0]
    if _inside(local.time(), *hours):
        return None
    return Refusal(
        "customer.preferred_hours",
        CUSTOMER_SOURCE,
        _("The customer prefers to be contacted from %(start)s to %(end)s; it is %(time)s.")
        % {
            "start": hours[0].strftime("%H:%M"),
            "end": hours[1].strftime("%H:%M"),
            "time": local.strftime("%H:%M"),
        },
    )


def _cap_refusal(cap: Cap, reason: str) -> Refusal:
    return Refusal(cap.spec.rule, cap.spec.source, reason)


def check_cap(
    ctx: Evaluation, cap: Cap, events: list[Interaction], moment: datetime
) -> Refusal | None:
    """One frequency cap, counted from the interaction log as its jurisdiction defines it.

    ``events`` are already limited to those at or before the request's instant, and ``moment``
    is never earlier than it, so every one of them is in the past.
    """
    past = events
    if not past:
        return None
    if cap.kind == LOCAL_DAY:
        today = ctx.local_date(moment)
        count = sum(1 for event in past if ctx.day_of(event) == today)
        if count >= cap.limit:
            return _cap_refusal(
                cap,
                _("At most %(limit)s contact(s) a day; %(count)s already today.")
                % {"limit": cap.limit, "count": count},
            )
    elif cap.kind == ROLLING:
        since = moment - timedelta(days=cap.days)
        count = sum(1 for event in past if event.at > since)
        if count >= cap.limit:
            return _cap_refusal(
                cap,
                _("At most %(limit)s in %(days)s days; %(count)s in the last %(days)s days.")
                % {"limit": cap.limit, "days": cap.days, "count": count},
            )
    elif cap.kind == CONSECUTIVE_DAYS:
        first_day = ctx.local_date(moment) - timedelta(days=cap.days - 1)
        count = sum(1 for event in past if ctx.day_of(event) >= first_day)
        if count >= cap.limit:
            return _cap_refusal(
                cap,
                _(
                    "At most %(limit)s in %(days)s consecutive days for this debt; "
                    "%(count)s since %(since)s."
                )
                % {
                    "limit": cap.limit,
                    "days": cap.days,
                    "count": count,
                    "since": first_day.isoformat(),
                },
            )
    elif cap.kind == MIN_GAP:
        last = past[-1]
        if last.at > moment - cap.gap:
            return _cap_refusal(
                cap,
                _("Messages must be at least %(hours)s hours apart; the last one was at %(last)s.")
                % {
                    "hours": int(cap.gap.total_seconds() // 3600),
                    "last": last.at.astimezone(ctx.primary).strftime("%Y-%m-%d %H:%M"),
                },
            )
    elif cap.kind == NO_CALLS_AFTER_CONVERSATION:
        first_day = ctx.local_date(moment) - timedelta(days=cap.days - 1)
        talks = [event for event in past if ctx.day_of(event) >= first_day]
        if talks:
            return _cap_refusal(
                cap,
                _(
                    "No calls within %(days)s days after a telephone conversation about this "
                    "debt (the conversation on %(date)s is day 1)."
                )
                % {"days": cap.days, "date": ctx.day_of(talks[-1]).isoformat()},
            )
    elif cap.kind == SINGLE_CHANNEL_AFTER_CONVERSATION:
        since = moment - timedelta(days=cap.days)
        others = [
            event for event in past if event.at > since and event.channel != ctx.request.channel
        ]
        if others:
            return _cap_refusal(
                cap,
                _(
                    "After a direct contact on %(channel)s (%(date)s), the same week allows "
                    "only that channel."
                )
                % {
                    "channel": others[-1].channel,
                    "date": ctx.day_of(others[-1]).isoformat(),
                },
            )
    return None


def check_law_caps(ctx: Evaluation, moment: datetime, local_times: Locals) -> Refusal | None:
    for cap, events in ctx.caps:
        refusal = check_cap(ctx, cap, events, moment)
        if refusal is not None:
            return refusal
    return None


TimedCheck = Callable[[Evaluation, datetime, Locals], Refusal | None]
# In the order a compliance officer reads them: the first refusal is the decision's rule.
TIMED_CHECKS: tuple[TimedCheck, ...] = (
    check_pause,
    check_days,
    check_holidays,
    check_hours,
    check_voice_buffer,
    check_creditor_days,
    check_creditor_hours,
    check_creditor_caps,
    check_preferred_hours,
    check_law_caps,
)
