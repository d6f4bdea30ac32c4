"""The contact rules of each jurisdiction, as data: windows, holidays, consent, roles and caps.

Sources and confidence grades come from ``compliance.md`` (research note, not legal advice).
A rule marked ``policy=True`` is an engine default, not a rule of law: keep it until local
counsel says otherwise. Rule ids are stable strings (``"CO.hours"``); decisions and the
documentation (docs/contact-policy.md) use them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays as holiday_calendars

HIGH = "high"
MEDIUM = "medium"
LOW = "low"

VOICE = "voice"
VISIT = "visit"
PHONE_AND_VISIT = frozenset({VOICE, VISIT})
TEXT_CHANNELS = frozenset({"sms", "whatsapp", "rcs"})
OTHER_MEDIA = frozenset({"sms", "whatsapp", "rcs", "email", "letter", "push"})
CHANNELS = ("sms", "whatsapp", "rcs", "email", "voice", "push", "letter", "visit")
OBLIGED_ROLES = frozenset({"debtor", "co_debtor", "guarantor"})
HOLD_KINDS = (
    "dispute",
    "lawsuit_served",
    "insolvency",
    "attorney",
    "cease_request",
    "deceased",
    "settled",
)


@dataclass(frozen=True)
class RuleSpec:
    """A rule's stable id, its legal source and how sure we are of it."""

    rule: str
    source: str
    confidence: str
    policy: bool = False  # an engine or business default, not a rule of law


# What a frequency cap counts in the interaction log (see compliance.md section 2, point 5).
ATTEMPTS = "attempts"  # every outbound attempt, connected or not
CONNECTED = "connected"  # outbound attempts that connected (Reg F leaves out busy signals)
EFFECTIVE = "effective"  # outbound contacts that reached the right party (a conversation)
UNANSWERED = "unanswered"  # outbound attempts without a conversation
CONVERSATIONS = "conversations"  # conversations whoever started them (Reg F, Colombia)

# How a cap measures time.
LOCAL_DAY = "local_day"  # the calendar day in the customer's (first) time zone
ROLLING = "rolling"  # the last ``days`` times 24 hours
CONSECUTIVE_DAYS = "consecutive_days"  # ``days`` calendar days ending today (today is day 1)
MIN_GAP = "min_gap"  # at least ``gap`` since the last counted event
NO_CALLS_AFTER_CONVERSATION = "no_calls_after_conversation"  # Reg F 1006.14(b)(2)(ii)
SINGLE_CHANNEL_AFTER_CONVERSATION = "single_channel_after_conversation"  # Ley 2300 art. 3


@dataclass(frozen=True)
class Cap:
    spec: RuleSpec
    kind: str
    counts: str = ATTEMPTS
    limit: int = 1
    days: int = 7
    gap: timedelta = timedelta(0)
    # The channels a contact must be on for the cap to apply to it (None: every channel) ...
    applies_to: frozenset[str] | None = None
    # ... and the channels of the past events it counts (None: every channel).
    counted_channels: frozenset[str] | None = None
    per_debt: bool = False


Window = tuple[time, time]


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    country: str
    subdivision: str | None
    default_timezone: str
    law: str  # the main law, quoted as the source of an "allowed" decision
    # Monday (0) to Sunday (6): the allowed window, start-inclusive and end-exclusive, or None.
    windows: tuple[Window | None, ...]
    days: RuleSpec
    hours: RuleSpec
    holidays: RuleSpec | None  # None: holidays do not block contact
    roles: RuleSpec
    opt_out: RuleSpec
    consent: RuleSpec
    consent_default_deny: bool = False
    # Reg F 1006.14(h)(2): one answer on an opted-out medium to a message the person sent on it.
    reply_once_after_opt_out: bool = False
    allowed_roles: frozenset[str] = OBLIGED_ROLES
    caps: tuple[Cap, ...] = ()
    voice_buffer: timedelta = timedelta(minutes=10)
    hold_sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def rule_specs(self) -> tuple[RuleSpec, ...]:
        specs = [self.days, self.hours, self.roles, self.opt_out, self.consent]
        if self.holidays is not None:
            specs.append(self.holidays)
        specs.extend(cap.spec for cap in self.caps)
        return tuple(specs)


def _week(
    weekdays: Window | None, saturday: Window | None = None, sunday: Window | None = None
) -> tuple[Window | None, ...]:
    return (weekdays, weekdays, weekdays, weekdays, weekdays, saturday, sunday)


def _h(hour: int) -> time:
    return time(hour)


VOICE_BUFFER = RuleSpec(
    "voice_buffer",
    "Engine policy: stop dialling 10 minutes before the window closes (compliance.md §2.2)",
    LOW,
    policy=True,
)
GENERIC_HOLD = "Engine policy: legal-status stops before any other check (compliance.md §2.8)"

_CO_LAW = "Ley 2300 de 2023"
_US_LAW = "FDCPA and Regulation F, 12 CFR part 1006"
_US_HOLDS = MappingProxyType(
    {
        "dispute": "12 CFR 1006.34 and 1006.38 (stop collecting until verification)",
        "attorney": "12 CFR 1006.6(b)(2) (contact the attorney instead)",
        "cease_request": "12 CFR 1006.6(c) (written refusal or cease request)",
        "insolvency": "11 U.S.C. 362 (automatic stay)",
    }
)


def _us_caps(code: str) -> tuple[Cap, ...]:
    return (
        Cap(
            RuleSpec(f"{code}.calls_7_in_7", "12 CFR 1006.14(b)(2)(i)", HIGH),
            CONSECUTIVE_DAYS,
            counts=CONNECTED,
            limit=7,
            days=7,
            applies_to=frozenset({VOICE}),
            counted_channels=frozenset({VOICE}),
            per_debt=True,
        ),
        Cap(
            RuleSpec(f"{code}.call_after_conversation", "12 CFR 1006.14(b)(2)(ii)", HIGH),
            NO_CALLS_AFTER_CONVERSATION,
            counts=CONVERSATIONS,
            days=7,
            applies_to=frozenset({VOICE}),
            counted_channels=frozenset({VOICE}),
            per_debt=True,
        ),
    )


def _us(code: str, name: str, subdivision: str | None, extra_caps: tuple[Cap, ...]) -> Jurisdiction:
    every_day = (_h(8), _h(21))
    return Jurisdiction(
        code=code,
        name=name,
        country="US",
        subdivision=subdivision,
        default_timezone="America/New_York",
        law=_US_LAW,
        windows=_week(every_day, every_day, every_day),
        days=RuleSpec(f"{code}.days", "12 CFR 1006.6(b)(1)(i): any day", HIGH),
        hours=RuleSpec(
            f"{code}.hours",
            "12 CFR 1006.6(b)(1)(i): 08:00-21:00 at the consumer's location; "
            "comment 6(b)(1)(i): every possible location",
            HIGH,
        ),
        holidays=None,
        roles=RuleSpec(f"{code}.recipient_role", "12 CFR 1006.6(d)(1); 1006.2(e)", HIGH),
        opt_out=RuleSpec(f"{code}.opt_out", "12 CFR 1006.14(h)", HIGH),
        consent=RuleSpec(f"{code}.consent", "12 CFR 1006.6(d)(3)-(5), 1006.14(h)", HIGH),
        reply_once_after_opt_out=True,
        caps=_us_caps(code) + extra_caps,
        hold_sources=_US_HOLDS,
    )


def _build() -> dict[str, Jurisdiction]:
    all_day_mx = (_h(7), _h(22))
    jurisdictions = [
        Jurisdiction(
            code="CO",
            name="Colombia",
            country="CO",
            subdivision=None,
            default_timezone="America/Bogota",
            law=_CO_LAW,
            windows=_week((_h(7), _h(19)), (_h(8), _h(15))),
            days=RuleSpec("CO.days", "Ley 2300 de 2023, art. 3: Monday to Saturday", HIGH),
            hours=RuleSpec(
                "CO.hours",
                "Ley 2300 de 2023, art. 3: Mon-Fri 07:00-19:00, Sat 08:00-15:00",
                HIGH,
            ),
            holidays=RuleSpec(
                "CO.holidays", "Ley 2300 de 2023, art. 3; Ley 51 de 1983 (festivos)", HIGH
            ),
            roles=RuleSpec(
                "CO.recipient_role",
                "Ley 2300 de 2023 (references never; co-debtors and guarantors under the same "
                "conditions)",
                HIGH,
            ),
            opt_out=RuleSpec("CO.opt_out", "Ley 1581 de 2012, art. 8; Ley 2300 de 2023", HIGH),
            consent=RuleSpec(
                "CO.authorised_channels",
                "Ley 2300 de 2023, art. 2 (authorised channels only)",
                HIGH,
            ),
            consent_default_deny=True,
            caps=(
                Cap(
                    RuleSpec(
                        "CO.one_per_day",
                        "Ley 2300 de 2023, art. 3 (not more than once a day; every outbound "
                        "attempt counts: engine default)",
                        MEDIUM,
                    ),
                    LOCAL_DAY,
                    counts=ATTEMPTS,
                    limit=1,
                ),
                Cap(
                    RuleSpec(
                        "CO.one_channel_per_week",
                        "Ley 2300 de 2023, art. 3 (after a direct contact, not through several "
                        "channels in the same week; rolling 7 days: engine default)",
                        MEDIUM,
                    ),
                    SINGLE_CHANNEL_AFTER_CONVERSATION,
                    counts=CONVERSATIONS,
                    days=7,
                ),
            ),
        ),
        Jurisdiction(
            code="MX",
            name="México",
            country="MX",
            subdivision=None,
            default_timezone="America/Mexico_City",
            law="CONDUSEF, Disposiciones en materia de Despachos de Cobranza (DOF 07-10-2014)",
            windows=_week(all_day_mx, all_day_mx, all_day_mx),
            days=RuleSpec(
                "MX.days", "CONDUSEF 2014 rules: no weekday or holiday restriction found", MEDIUM
            ),
            hours=RuleSpec(
                "MX.hours",
                "CONDUSEF 2014 rules: 07:00-22:00 in the debtor's time zone",
                HIGH,
            ),
            holidays=None,
            roles=RuleSpec(
                "MX.recipient_role",
                "CONDUSEF 2014 rules (no third parties or references; avales and obligados "
                "solidarios allowed)",
                HIGH,
            ),
            opt_out=RuleSpec("MX.opt_out", "LFPDPPP 2025 (engine: honour opt-outs)", MEDIUM),
            consent=RuleSpec("MX.consent", "CONDUSEF 2014 rules (default allow)", MEDIUM),
        ),
        Jurisdiction(
            code="CL",
            name="Chile",
            country="CL",
            subdivision=None,
            default_timezone="America/Santiago",
            law="Ley 19.496, art. 37 (Ley 21.320 de 2021)",
            windows=_week((_h(8), _h(20)), (_h(8), _h(20))),
            days=RuleSpec(
                "CL.days",
                "Ley 19.496 art. 37; CPC art. 59 (días hábiles; Sundays are feriados, Ley 2.977)",
                HIGH,
            ),
            hours=RuleSpec(
                "CL.hours",
                "Ley 19.496 art. 37; CPC art. 59: 08:00-20:00 (all channels: engine default)",
                HIGH,
            ),
            holidays=RuleSpec("CL.holidays", "Ley 19.496 art. 37; CPC art. 59", HIGH),
            roles=RuleSpec(
                "CL.recipient_role",
                "Ley 19.496 art. 37 (no third parties; co-debtors and guarantors are obliged)",
                MEDIUM,
            ),
            opt_out=RuleSpec("CL.opt_out", "Ley 19.628 (engine: honour opt-outs)", MEDIUM),
            consent=RuleSpec("CL.consent", "Ley 19.496 art. 37 (default allow)", MEDIUM),
            caps=(
                Cap(
                    RuleSpec(
                        "CL.phone_visit_per_week",
                        "Ley 19.496 art. 37 (one telephone contact or visit per week; effective "
                        "contacts over a rolling 7 days: engine default)",
                        MEDIUM,
                    ),
                    ROLLING,
                    counts=EFFECTIVE,
                    limit=1,
                    days=7,
                    applies_to=PHONE_AND_VISIT,
                    counted_channels=PHONE_AND_VISIT,
                ),
                Cap(
                    RuleSpec(
                        "CL.unanswered_calls_per_day",
                        "Engine policy: at most 1 unanswered call a day (compliance.md §3.3)",
                        LOW,
                        policy=True,
                    ),
                    LOCAL_DAY,
                    counts=UNANSWERED,
                    limit=1,
                    applies_to=frozenset({VOICE}),
                    counted_channels=frozenset({VOICE}),
                ),
                Cap(
                    RuleSpec(
                        "CL.other_media_per_week",
                        "Ley 19.496 art. 37 (other media: at most 2 per week; rolling 7 days)",
                        HIGH,
                    ),
                    ROLLING,
                    counts=ATTEMPTS,
                    limit=2,
                    days=7,
                    applies_to=OTHER_MEDIA,
                    counted_channels=OTHER_MEDIA,
                ),
                Cap(
                    RuleSpec(
                        "CL.other_media_48h",
                        "Ley 19.496 art. 37 (at least two days apart; 48 hours: engine default)",
                        HIGH,
                    ),
                    MIN_GAP,
                    counts=ATTEMPTS,
                    gap=timedelta(hours=48),
                    applies_to=OTHER_MEDIA,
                    counted_channels=OTHER_MEDIA,
                ),
            ),
            hold_sources=MappingProxyType(
                {
                    "lawsuit_served": "Ley 19.496 art. 37 (stop once served)",
                    "insolvency": "Ley 19.496 art. 37 (stop once insolvency proceedings open)",
                }
            ),
        ),
        Jurisdiction(
            code="PE",
            name="Perú",
            country="PE",
            subdivision=None,
            default_timezone="America/Lima",
            law="Ley 29571, arts. 61-62",
            windows=_week((_h(7), _h(20))),
            days=RuleSpec(
                "PE.days",
                "Ley 29571 art. 62(b): no Saturdays or Sundays (all channels: engine default)",
                HIGH,
            ),
            hours=RuleSpec("PE.hours", "Ley 29571 art. 62(b): not between 20:00 and 07:00", HIGH),
            holidays=RuleSpec("PE.holidays", "Ley 29571 art. 62(b)", HIGH),
            roles=RuleSpec("PE.recipient_role", "Ley 29571 art. 62 (no third parties)", MEDIUM),
            opt_out=RuleSpec("PE.opt_out", "Ley 29733 (engine: honour opt-outs)", MEDIUM),
            consent=RuleSpec("PE.consent", "Ley 29571 (default allow for collection)", MEDIUM),
        ),
        Jurisdiction(
            code="EC",
            name="Ecuador",
            country="EC",
            subdivision=None,
            default_timezone="America/Guayaquil",
            law="Ley Orgánica de Defensa del Consumidor, art. 49 (reform 2022)",
            windows=_week((_h(7), _h(20))),
            days=RuleSpec("EC.days", "LODC art. 49: Monday to Friday", MEDIUM),
            hours=RuleSpec("EC.hours", "LODC art. 49: 07:00-20:00", MEDIUM),
            holidays=RuleSpec("EC.holidays", "LODC art. 49", MEDIUM),
            roles=RuleSpec(
                "EC.recipient_role", "LODC art. 49 (debtor, co-debtor or guarantor only)", HIGH
            ),
            opt_out=RuleSpec("EC.opt_out", "LOPDP 2021 (engine: honour opt-outs)", MEDIUM),
            consent=RuleSpec("EC.consent", "LODC art. 49 (default allow)", MEDIUM),
            caps=(
                Cap(
                    RuleSpec(
                        "EC.one_per_day",
                        "LODC art. 49 (not more than once a day, across all channels: engine "
                        "default)",
                        MEDIUM,
                    ),
                    LOCAL_DAY,
                    counts=ATTEMPTS,
                    limit=1,
                ),
            ),
        ),
        Jurisdiction(
            code="AR",
            name="Argentina",
            country="AR",
            subdivision=None,
            default_timezone="America/Argentina/Buenos_Aires",
            law="Ley 24.240, art. 8 bis",
            windows=_week((_h(9), _h(20)), (_h(9), _h(13))),
            days=RuleSpec(
                "AR.days",
                "Engine policy: Monday to Saturday (no national rule found)",
                LOW,
                policy=True,
            ),
            hours=RuleSpec(
                "AR.hours",
                "Engine policy: Mon-Fri 09:00-20:00, Sat 09:00-13:00 (no national rule found)",
                LOW,
                policy=True,
            ),
            holidays=RuleSpec(
                "AR.holidays", "Engine policy: no contact on holidays", LOW, policy=True
            ),
            roles=RuleSpec("AR.recipient_role", "Ley 24.240 art. 8 bis; Ley 25.326", MEDIUM),
            opt_out=RuleSpec("AR.opt_out", "Ley 25.326 (engine: honour opt-outs)", MEDIUM),
            consent=RuleSpec("AR.consent", "Ley 24.240 (default allow)", MEDIUM),
        ),
        Jurisdiction(
            code="BR-SP",
            name="Brasil, São Paulo",
            country="BR",
            subdivision="SP",
            default_timezone="America/Sao_Paulo",
            law="CDC (Lei 8.078/1990) arts. 42, 42-A, 71; SP Lei 15.426/2014",
            windows=_week((_h(8), _h(20)), (_h(8), _h(14))),
            days=RuleSpec("BR-SP.days", "SP Lei 15.426/2014, art. 2: Monday to Saturday", HIGH),
            hours=RuleSpec(
                "BR-SP.hours",
                "SP Lei 15.426/2014, art. 2: Mon-Fri 08:00-20:00, Sat 08:00-14:00",
                HIGH,
            ),
            holidays=RuleSpec("BR-SP.holidays", "SP Lei 15.426/2014, art. 2", HIGH),
            roles=RuleSpec("BR-SP.recipient_role", "CDC art. 42; LGPD", MEDIUM),
            opt_out=RuleSpec(
                "BR-SP.opt_out", "LGPD; SP Lei 13.226/2008 (bloqueio de telemarketing)", MEDIUM
            ),
            consent=RuleSpec("BR-SP.consent", "CDC (default allow)", MEDIUM),
        ),
        Jurisdiction(
            code="BR-RJ",
            name="Brasil, Rio de Janeiro",
            country="BR",
            subdivision="RJ",
            default_timezone="America/Sao_Paulo",
            law="CDC (Lei 8.078/1990) arts. 42, 42-A, 71; RJ Lei 7.868/2018",
            windows=_week((_h(9), _h(19))),
            days=RuleSpec("BR-RJ.days", "RJ Lei 7.868/2018, art. 3 §4: business days only", MEDIUM),
            hours=RuleSpec("BR-RJ.hours", "RJ Lei 7.868/2018, art. 3 §4: 09:00-19:00", MEDIUM),
            holidays=RuleSpec("BR-RJ.holidays", "RJ Lei 7.868/2018, art. 3 §4", MEDIUM),
            roles=RuleSpec("BR-RJ.recipient_role", "CDC art. 42; LGPD", MEDIUM),
            opt_out=RuleSpec("BR-RJ.opt_out", "LGPD (engine: honour opt-outs)", MEDIUM),
            consent=RuleSpec("BR-RJ.consent", "CDC (default allow)", MEDIUM),
        ),
        Jurisdiction(
            code="ES",
            name="España",
            country="ES",
            subdivision=None,
            default_timezone="Europe/Madrid",
            law="GDPR and LO 3/2018 (LOPDGDD); Ley 3/1991 de Competencia Desleal",
            windows=_week((_h(9), _h(21))),
            days=RuleSpec(
                "ES.days",
                "Engine policy: Monday to Friday (TRLGDCU commercial-call benchmark)",
                LOW,
                policy=True,
            ),
            hours=RuleSpec(
                "ES.hours",
                "Engine policy: 09:00-21:00 (TRLGDCU commercial-call benchmark)",
                LOW,
                policy=True,
            ),
            holidays=RuleSpec(
                "ES.holidays",
                "Engine policy: no contact on national holidays",
                LOW,
                policy=True,
            ),
            roles=RuleSpec(
                "ES.recipient_role", "GDPR; LOPDGDD (no disclosure to third parties)", HIGH
            ),
            opt_out=RuleSpec("ES.opt_out", "GDPR art. 21; LOPDGDD", HIGH),
            consent=RuleSpec("ES.consent", "GDPR art. 6(1)(b)/(f) (default allow)", MEDIUM),
        ),
        _us("US", "United States", None, ()),
        _us(
            "US-MA",
            "United States, Massachusetts",
            "MA",
            (
                Cap(
                    RuleSpec(
                        "US-MA.two_per_7_days",
                        "209 CMR 18.16(1)(d); 940 CMR 7.04(1)(f) (2 calls or texts per 7 days "
                        "per debt; every attempt counts: engine default)",
                        HIGH,
                    ),
                    CONSECUTIVE_DAYS,
                    counts=ATTEMPTS,
                    limit=2,
                    days=7,
                    applies_to=TEXT_CHANNELS | {VOICE},
                    counted_channels=TEXT_CHANNELS | {VOICE},
                    per_debt=True,
                ),
            ),
        ),
    ]
    return {jurisdiction.code: jurisdiction for jurisdiction in jurisdictions}


JURISDICTIONS: Mapping[str, Jurisdiction] = MappingProxyType(_build())


class UnknownJurisdiction(ValueError):
    pass


def get_jurisdiction(code: str) -> Jurisdiction:
    try:
        return JURISDICTIONS[code]
    except KeyError:
        known = ", ".join(JURISDICTIONS)
        raise UnknownJurisdiction(f"Unknown jurisdiction {code!r}; use one of: {known}.") from None


def jurisdiction_code(country: str, region: str = "") -> str:
    """The jurisdiction of a customer: country, or country-region where a state has its own rules."""
    country = country.upper()
    region = region.upper()
    candidate = f"{country}-{region}"
    if region and candidate in JURISDICTIONS:
        return candidate
    if country == "BR":
        # Rio's window (business days 09:00-19:00) lies inside São Paulo's on every day: the
        # conservative choice for a state not modelled yet.
        return "BR-RJ"
    return country


@lru_cache(maxsize=512)
def holiday_dates(code: str, year: int) -> frozenset[date]:
    """The public holidays of ``code``'s calendar in ``year`` (whether or not they block contact:
    see ``Jurisdiction.holidays``; a creditor may block them on its own)."""
    jurisdiction = get_jurisdiction(code)
    calendar = holiday_calendars.country_holidays(
        jurisdiction.country, subdiv=jurisdiction.subdivision, years=year
    )
    return frozenset(calendar)
