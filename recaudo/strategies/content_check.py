"""The content check: what a collection message must never say, and what some countries require.

It runs on the *rendered* text (compliance.md §2.10) when a template is approved and may run
again before sending. Matching ignores case and accents ("EMBARGO", "cárcel" and "carcel" all
match); every finding carries the excerpt of the original text that caused it.

Rules (sources in compliance.md §3 and §4; docs/templates.md has the table):

- ``threat``: threats and intimidation, in every country.
- ``judicial_language``: court-like or fake-judicial wording, in every country.
- ``asks_why_not_paid``: asking why the customer has not paid; Colombia only (Ley 2300).
- ``missing_identity``: the creditor is not named where the country requires identification
  (MX at first contact, CONDUSEF 2014; BR, CDC art. 42-A).
- ``missing_debt_collector_disclosure``: US, Reg F §1006.18(e).
- ``missing_opt_out``: electronic messages without an opt-out (US §1006.6(e); CO Ley 2300).
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    excerpt: str = ""

    def __str__(self) -> str:
        return f"{self.message} «{self.excerpt}»" if self.excerpt else self.message


def normalise(text: str) -> str:
    """Lower case without accents, one character per character of ``text`` (so positions in
    the result are positions in the original)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[0].lower()
        out.append(base if len(base) == 1 else char)
    return "".join(out)


def _patterns(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


# Patterns are written over normalised text: lower case, no accents.
THREATS = _patterns(
    # "sin embargo" is "however", not a seizure.
    r"(?<!sin )embarg\w*",
    r"(?:lo|la|le|los|las) (?:vamos|van) a (?:demandar|denunciar|embargar)",
    r"vamos a (?:demandarl[oae]s?|denunciarl[oae]s?)",
    r"demandaremos",
    r"carcel",
    r"prision",
    r"arrest\w*",
    r"detenid[oa]",
    r"policia",
    r"(?:atenerse|atengase) a las consecuencias",
    r"(?:graves|serias) consecuencias",
    r"(?:habra|tendra|vendran) consecuencias",
    r"consecuencias (?:legales|judiciales|penales)",
    r"(?:su|sus) (?:familia|familiares|vecinos|jefe|empleador|companeros)"
    r" (?:se )?(?:enterara|enteraran|sabra|sabran|conocera|conoceran)",
    r"se van a enterar",
    r"publicaremos",
    r"lista de (?:morosos|deudores)",
    r"atengase",
    r"sera peor",
)
JUDICIAL = _patterns(
    r"juzgado",
    r"jue(?:z|ces)",
    r"tribunal\w*",
    r"orden judicial",
    r"citacion\w*",
    r"notificacion judicial",
    r"aviso judicial",
    r"demanda en su contra",
    r"proceso judicial en su contra",
    r"mandamiento de pago",
    r"expediente (?:judicial|legal|en su contra)",
    r"ultim[oa] (?:advertencia|aviso)",
    r"requerimiento judicial",
)
# Asking why: always, for the direct questions; for "the reason of your default", only when the
# sentence asks (a question, or "tell us", "let us know" ...).
WHY_ALWAYS = _patterns(
    r"por que no (?:ha )?(?:pagado|pago|realizado|realizo|cumplido|cumplio)"
    r"(?: (?:el|su) pago)?",
    r"por que (?:no )?(?:se )?(?:ha )?(?:atrasado|atraso|retrasado|retraso)",
    r"por que motivo no",
)
WHY_REASON = _patterns(
    r"(?:el |la )?(?:motivo|razon|causa)s? (?:de|del|por el cual|por la cual)"
    r" (?:su |el |la )?(?:atraso|retraso|incumplimiento|mora|no pago|impago|falta de pago)"
)
ASKING_VERB = _patterns(
    r"cuentenos",
    r"indiquenos",
    r"informenos",
    r"expliquenos",
    r"digame",
    r"diganos",
    r"cual (?:es|fue)",
)
# How to stop, not the word alone: "una cuota más baja" is no opt-out text.
OPT_OUT = _patterns(
    r"(?:responda|responde|escriba|escribe|envie|envia|enviar|conteste|diga)(?:\W+\w+){0,6}?\W+baja",
    r"dar(?:se|lo|la)? de baja",
    r"stop",
    r"unsubscribe",
    r"opt out",
    r"desuscrib\w*",
    r"cancelar (?:la |su )?suscripcion",
    r"no (?:desea|quiere|deseo|quiero) recibir",
    r"para no recibir",
)
DEBT_COLLECTOR = _patterns(r"debt collector", r"cobrador(?:a)? de deudas")
MINI_MIRANDA = _patterns(
    r"collect a debt", r"cobrar (?:una|esta|la) deuda", r"cobro de (?:una|esta|la) deuda"
)

ELECTRONIC_CHANNELS = frozenset({"sms", "whatsapp", "rcs", "email"})
# Countries whose law requires an opt-out on electronic messages.
OPT_OUT_COUNTRIES = frozenset({"CO", "US"})


def _excerpt(text: str, match: re.Match[str]) -> str:
    return text[match.start() : match.end()]


def _sentences(normalised: str) -> Iterable[tuple[int, int]]:
    start = 0
    for match in re.finditer(r"[.!?\n]+", normalised):
        yield start, match.end()
        start = match.end()
    if start < len(normalised):
        yield start, len(normalised)


def _asks_why(text: str, normalised: str) -> list[Finding]:
    message = _(
        "Do not ask why the customer has not paid (Colombia, Ley 2300): offer help instead."
    )
    findings = [
        Finding("asks_why_not_paid", message, _excerpt(text, m))
        for m in WHY_ALWAYS.finditer(normalised)
    ]
    for start, end in _sentences(normalised):
        sentence = normalised[start:end]
        asks = "?" in sentence or "¿" in sentence or ASKING_VERB.search(sentence)
        match = WHY_REASON.search(sentence)
        if asks and match:
            excerpt = text[start + match.start() : start + match.end()]
            findings.append(Finding("asks_why_not_paid", message, excerpt))
    return findings


def _names(normalised: str, name: str) -> bool:
    wanted = normalise(name).strip()
    return bool(wanted) and wanted in normalised


def check_content(
    text: str,
    *,
    channel: str,
    country: str,
    first_contact: bool = False,
    creditor_name: str = "",
) -> list[Finding]:
    """Findings for the rendered ``text`` on ``channel`` in ``country`` (ISO code, or a
    subdivision such as ``BR-SP``/``US-MA``); an empty list means it may be sent.

    ``creditor_name`` is the name the text must carry where the country requires the collector
    to identify itself; without it that rule is not checked.
    """
    country = country.upper().split("-")[0]
    normalised = normalise(text)
    findings = [
        Finding(
            "threat",
            _("Threats and intimidation are not allowed: say what the customer can do instead."),
            _excerpt(text, m),
        )
        for m in THREATS.finditer(normalised)
    ]
    findings += [
        Finding(
            "judicial_language",
            _("Court-like or judicial wording is not allowed in a collection message."),
            _excerpt(text, m),
        )
        for m in JUDICIAL.finditer(normalised)
    ]
    if country == "CO":
        findings += _asks_why(text, normalised)
    needs_name = country == "BR" or (country == "MX" and first_contact)
    if needs_name and creditor_name and not _names(normalised, creditor_name):
        findings.append(
            Finding(
                "missing_identity",
                _("The message must name the creditor (%(name)s) in this country.")
                % {"name": creditor_name},
            )
        )
    if country == "US":
        if not DEBT_COLLECTOR.search(normalised):
            findings.append(
                Finding(
                    "missing_debt_collector_disclosure",
                    _("The message must say that it comes from a debt collector (Reg F)."),
                )
            )
        if first_contact and not MINI_MIRANDA.search(normalised):
            findings.append(
                Finding(
                    "missing_debt_collector_disclosure",
                    _(
                        "A first message must say that it is an attempt to collect a debt "
                        "and that any information obtained will be used for that purpose."
                    ),
                )
            )
    if (
        country in OPT_OUT_COUNTRIES
        and channel in ELECTRONIC_CHANNELS
        and not OPT_OUT.search(normalised)
    ):
        findings.append(
            Finding(
                "missing_opt_out",
                _("The message must tell the customer how to stop messages on this channel."),
            )
        )
    return findings
