"""``decide(request)``: may we contact this person, on this channel, now? With reasons.

Pure: no Django models, no clock. The checks run in a fixed order (rules.py): those that no
amount of waiting can pass come first (holds, recipient role, a settled debt, opt-outs and
channel authorisation, the customer's preferred channels), then the time-based ones (a
promise's pause, days, holidays, hours in every candidate time zone, the voice buffer, the
creditor's limits, the customer's preferred hours, the frequency caps). The first refusal is
the decision. A live reply (the answer to the customer's message of the last minutes, on its
channel) passes the permanent checks and skips the time-based ones. A time-based refusal also says when the contact would next be allowed.
"""

from datetime import UTC, datetime, timedelta

from recaudo.policy.i18n import gettext as _
from recaudo.policy.jurisdictions import get_jurisdiction
from recaudo.policy.rules import (
    LIVE_REPLY_SOURCE,
    LIVE_REPLY_WINDOW,
    PERMANENT_CHECKS,
    TIMED_CHECKS,
    Evaluation,
    Refusal,
    is_live_reply,
)
from recaudo.policy.types import ContactRequest, Decision

# How far ahead the next allowed instant is searched; beyond it the answer is None.
HORIZON_DAYS = 15
SHORT_HORIZON_DAYS = 2


def timed_refusal(ctx: Evaluation, moment: datetime) -> Refusal | None:
    # In UTC, so "7 days" and "48 hours" before it are elapsed time even across a DST change
    # (aware arithmetic in a named zone is wall-clock time).
    moment = moment.astimezone(UTC)
    local_times = [moment.astimezone(zone) for zone in ctx.zones]
    for check in TIMED_CHECKS:
        refusal = check(ctx, moment, local_times)
        if refusal is not None:
            return refusal
    return None


def _candidates(ctx: Evaluation, start: datetime, days: int) -> list[datetime]:
    """Every instant at which a time-based rule can change its answer, in ``days`` from ``start``."""
    end = start + timedelta(days=days)
    found = {start}
    request = ctx.request
    starts = [request.creditor_limits.hours_start]
    preferred_start = request.preferred_hours[0] if request.preferred_hours else None
    for zone in ctx.zones:
        first_day = start.astimezone(zone).date()
        for offset in range(days + 1):
            day = first_day + timedelta(days=offset)
            window = ctx.windows[day.weekday()]
            clocks = [datetime.min.time(), *(s for s in starts if s is not None)]
            if window is not None:
                clocks.append(window[0])
            if preferred_start is not None and zone is ctx.primary:
                clocks.append(preferred_start)
            for clock in clocks:
                found.add(datetime.combine(day, clock, tzinfo=zone))
    for cap, events in ctx.caps:
        for event in events:
            found.add(event.at + timedelta(days=cap.days))
            if cap.gap:
                found.add(event.at + cap.gap)
    for event in ctx.outbound:
        found.add(event.at + timedelta(days=7))
    if ctx.paused_until is not None:
        found.add(ctx.paused_until)
    return sorted(moment for moment in found if start <= moment <= end)


def next_allowed_at(ctx: Evaluation, start: datetime) -> datetime | None:
    """The earliest instant from ``start`` that every time-based rule allows, in local time.

    The next two days first (most refusals end by then), then the whole horizon.
    """
    seen: set[datetime] = set()
    for days in (SHORT_HORIZON_DAYS, HORIZON_DAYS):
        for moment in _candidates(ctx, start, days):
            if moment in seen:
                continue
            seen.add(moment)
            if timed_refusal(ctx, moment) is None:
                return moment.astimezone(ctx.primary)
    return None


def _refused(refusal: Refusal, next_at: datetime | None) -> Decision:
    reasons = [refusal.reason]
    if next_at is None:
        reasons.append(_("Not allowed at any time in the next two weeks."))
    return Decision(
        allowed=False,
        rule=refusal.rule,
        source=refusal.source,
        reasons=tuple(reasons),
        next_allowed_at=next_at,
    )


def decide(request: ContactRequest) -> Decision:
    """Whether the contact is allowed, the deciding rule, its source, the reasons, and when."""
    jurisdiction = get_jurisdiction(request.jurisdiction)
    if request.at.tzinfo is None:
        raise ValueError("ContactRequest.at must be timezone-aware (an instant, not a wall time).")
    for permanent in PERMANENT_CHECKS:
        refusal = permanent(request, jurisdiction)
        if refusal is not None:
            return Decision(
                allowed=False,
                rule=refusal.rule,
                source=refusal.source,
                reasons=(refusal.reason,),
                next_allowed_at=None,
            )
    if is_live_reply(request):
        return Decision(
            allowed=True,
            rule=f"{jurisdiction.code}.live_reply",
            source=LIVE_REPLY_SOURCE,
            reasons=(
                _(
                    "An answer to the customer's own message of the last %(minutes)d minutes on "
                    "this channel: days, hours and caps do not hold it back."
                )
                % {"minutes": LIVE_REPLY_WINDOW.seconds // 60},
            ),
            next_allowed_at=request.at,
        )
    ctx = Evaluation(request, jurisdiction)
    refusal = timed_refusal(ctx, request.at)
    if refusal is None:
        return Decision(
            allowed=True,
            rule=f"{jurisdiction.code}.allowed",
            source=jurisdiction.law,
            reasons=(_("Every rule allows this contact."),),
            next_allowed_at=request.at,
        )
    return _refused(refusal, next_allowed_at(ctx, request.at))
