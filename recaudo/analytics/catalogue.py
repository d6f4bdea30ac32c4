"""The daily metric catalogue (docs/console-contract.md, "Daily metrics"), as data.

Each metric is written per creditor, local day and account segment as one total row
(``dimension=""``) plus one row per value of each breakdown in ``BREAKDOWNS``; every column is
additive, so any period, segment or breakdown is a ``SUM`` and ratios are taken at read time.

``SNAPSHOT`` metrics describe the portfolio at the end of a day: only the daily run, right after
the refresh of that day, can see that state, so they are written for the refresh's as-of day
only; a backfill (``build_range``) writes the ``FLOW`` metrics, which are all rebuilt from
timestamped facts.

Where the data we store does not hold exactly what the contract names, the closest honest
definition is used (recaudo/analytics/build.py says how each is computed):

- ``contacts_right_party``: outbound attempts to the debtor (``recipient_role`` debtor) that were
  a conversation (``Message.conversation``) or got a reply within 72 h. Nothing else records
  that the right person answered.
- ``messages_blocked``: dated by the message's creation (the planner blocks at creation; the
  worker does not stamp when it blocks a queued message, which is due on its planning day).
- ``satisfaction``: dated by the conversation's ``closed_at`` (the survey answer closes it); a
  conversation keeps one rating, the latest.
- ``first_response_agent``: dated by the agent's first turn (the hand-off's time to answer is
  known only then), measured from the hand-off task's creation.
- ``source``: ``agent`` when the actor is an agent, ``self_service`` when it is the customer
  (the assistant, the self-service page, a payment link), ``other`` for the system and the API
  (imported payments, agreements the creditor's systems register).
- ``segment``: the account's segment at the end of the day, rebuilt from ``segment_changed``
  events when it changed since; the ``bucket`` of a payment is the one before the payment's day
  (from ``bucket_changed`` events), the bucket the money was collected in.
- Amounts are summed in each account's currency: a creditor's portfolio is in one currency.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    PORTFOLIO = "portfolio", _("portfolio")
    PORTFOLIO_OVERDUE = "portfolio_overdue", _("overdue portfolio")
    CONTACT_ATTEMPTS = "contact_attempts", _("contact attempts")
    CONTACTS_CONNECTED = "contacts_connected", _("contacts connected")
    CONTACTS_RIGHT_PARTY = "contacts_right_party", _("right-party contacts")
    MESSAGES_DELIVERED = "messages_delivered", _("messages delivered")
    MESSAGES_READ = "messages_read", _("messages read")
    MESSAGES_REPLIED = "messages_replied", _("messages replied")
    MESSAGES_BLOCKED = "messages_blocked", _("messages blocked")
    CHANNEL_COST = "channel_cost", _("channel cost")
    PROMISES_MADE = "promises_made", _("promises made")
    PROMISES_KEPT = "promises_kept", _("promises kept")
    PROMISES_BROKEN = "promises_broken", _("promises broken")
    PLANS_AGREED = "plans_agreed", _("plans agreed")
    PLANS_BROKEN = "plans_broken", _("plans broken")
    PLANS_ACTIVE = "plans_active", _("active plans")
    PAYMENTS = "payments", _("payments")
    TRANSITIONS = "transitions", _("bucket transitions")
    CONVERSATIONS = "conversations", _("assistant conversations")
    CONVERSATIONS_HANDED_OFF = "conversations_handed_off", _("conversations handed off")
    FIRST_RESPONSE_ASSISTANT = "first_response_assistant", _("assistant's first response")
    FIRST_RESPONSE_AGENT = "first_response_agent", _("agent's first response")
    SATISFACTION = "satisfaction", _("satisfaction")


class Dimension(models.TextChoices):
    TOTAL = "", _("total")
    STAGE = "stage", _("stage")
    BUCKET = "bucket", _("bucket")
    CHANNEL = "channel", _("channel")
    STRATEGY = "strategy", _("strategy")
    VARIANT = "variant", _("experiment variant")
    SOURCE = "source", _("source")
    TRANSITION = "transition", _("transition")


class Source(models.TextChoices):
    AGENT = "agent", _("agent")
    SELF_SERVICE = "self_service", _("self-service")
    OTHER = "other", _("other")


# The key of a strategy or variant breakdown when the payment follows no strategy's message.
NONE_KEY = "none"
# A transition's key: "<from><SEPARATOR><to>", e.g. "1-30>31-60".
TRANSITION_SEPARATOR = ">"

BREAKDOWNS: dict[str, tuple[str, ...]] = {
    Metric.PORTFOLIO: (Dimension.STAGE, Dimension.BUCKET),
    Metric.PORTFOLIO_OVERDUE: (Dimension.STAGE, Dimension.BUCKET),
    Metric.CONTACT_ATTEMPTS: (Dimension.CHANNEL,),
    Metric.CONTACTS_CONNECTED: (Dimension.CHANNEL,),
    Metric.CONTACTS_RIGHT_PARTY: (Dimension.CHANNEL,),
    Metric.MESSAGES_DELIVERED: (Dimension.CHANNEL,),
    Metric.MESSAGES_READ: (Dimension.CHANNEL,),
    Metric.MESSAGES_REPLIED: (Dimension.CHANNEL,),
    Metric.MESSAGES_BLOCKED: (Dimension.CHANNEL,),
    Metric.CHANNEL_COST: (Dimension.CHANNEL,),
    Metric.PROMISES_MADE: (Dimension.SOURCE,),
    Metric.PROMISES_KEPT: (Dimension.SOURCE,),
    Metric.PROMISES_BROKEN: (Dimension.SOURCE,),
    Metric.PLANS_AGREED: (Dimension.SOURCE,),
    Metric.PLANS_BROKEN: (Dimension.SOURCE,),
    Metric.PLANS_ACTIVE: (),
    Metric.PAYMENTS: (Dimension.BUCKET, Dimension.STRATEGY, Dimension.VARIANT, Dimension.SOURCE),
    Metric.TRANSITIONS: (Dimension.TRANSITION,),
    Metric.CONVERSATIONS: (Dimension.CHANNEL,),
    Metric.CONVERSATIONS_HANDED_OFF: (Dimension.CHANNEL,),
    Metric.FIRST_RESPONSE_ASSISTANT: (Dimension.CHANNEL,),
    Metric.FIRST_RESPONSE_AGENT: (Dimension.CHANNEL,),
    Metric.SATISFACTION: (Dimension.CHANNEL,),
}

# State at the end of the day: written by the daily run for its own day only.
SNAPSHOT: frozenset[str] = frozenset(
    {Metric.PORTFOLIO, Metric.PORTFOLIO_OVERDUE, Metric.PLANS_ACTIVE}
)
# Facts dated within the day: rebuilt for any past day.
FLOW: frozenset[str] = frozenset(Metric.values) - SNAPSHOT

# What each column holds, for readers and exports: (count, amount, total).
COLUMNS: dict[str, tuple[str, str, str]] = {
    Metric.PORTFOLIO: ("accounts", "balance", ""),
    # Money is never a float: the overdue amount is its own metric's ``amount``.
    Metric.PORTFOLIO_OVERDUE: ("accounts with an overdue amount", "overdue amount", ""),
    Metric.CONTACT_ATTEMPTS: ("messages", "", ""),
    Metric.CONTACTS_CONNECTED: ("messages", "", ""),
    Metric.CONTACTS_RIGHT_PARTY: ("messages", "", ""),
    Metric.MESSAGES_DELIVERED: ("messages", "", ""),
    Metric.MESSAGES_READ: ("messages", "", ""),
    Metric.MESSAGES_REPLIED: ("messages", "", ""),
    Metric.MESSAGES_BLOCKED: ("messages", "", ""),
    Metric.CHANNEL_COST: ("messages", "cost", ""),
    Metric.PROMISES_MADE: ("promises", "promised amount", ""),
    Metric.PROMISES_KEPT: ("promises", "promised amount", ""),
    Metric.PROMISES_BROKEN: ("promises", "promised amount", ""),
    Metric.PLANS_AGREED: ("plans", "plan total", ""),
    Metric.PLANS_BROKEN: ("plans", "plan total", ""),
    Metric.PLANS_ACTIVE: ("plans", "outstanding", ""),
    Metric.PAYMENTS: ("payments", "amount", ""),
    Metric.TRANSITIONS: ("accounts", "balance", ""),
    Metric.CONVERSATIONS: ("conversations", "", ""),
    Metric.CONVERSATIONS_HANDED_OFF: ("conversations", "", ""),
    Metric.FIRST_RESPONSE_ASSISTANT: ("replies", "", "seconds"),
    Metric.FIRST_RESPONSE_AGENT: ("hand-offs", "", "seconds"),
    Metric.SATISFACTION: ("answers", "", "sum of ratings"),
}
