"""The default template set: friendly, short, in neutral Latin-American Spanish with "usted".

The customer is a person with a problem to solve, never a culprit: every message says who
writes, what is pending, and the easiest way to solve it, and offers help. Every default passes
the content check for CO, MX, CL, PE and US (the test suite proves it), because the
country-specific parts (the collector's identity and disclosures, the opt-out sentence) come
from variables.

``install_default_templates(creditor)`` (in ``actions``) creates them as version 1, approved.
The default strategy names them by ``code``; docs/templates.md has the table.
"""

from dataclasses import dataclass, field
from typing import Any

from recaudo.debts.models import Stage

PAY_BUTTON = {"id": "pay", "title": "Pagar ahora", "url": "{{ payment_link }}"}
ADVISER_BUTTON = {"id": "adviser", "title": "Hablar con un asesor"}
PLAN_BUTTON = {"id": "plan", "title": "Ver mi plan", "url": "{{ self_service_link }}"}
PROMISE_BUTTON = {"id": "paid", "title": "Ya pagué"}


@dataclass(frozen=True)
class DefaultTemplate:
    code: str
    channel: str
    stage: str
    name: str
    body: str
    subject: str = ""
    provider_template_name: str = ""
    provider_template_params: tuple[str, ...] = ()
    buttons: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def _whatsapp(
    code: str,
    stage: str,
    name: str,
    provider_name: str,
    body: str,
    buttons: tuple[dict[str, Any], ...],
) -> DefaultTemplate:
    from recaudo.strategies.templating import variables_in

    return DefaultTemplate(
        code=code,
        channel="whatsapp",
        stage=stage,
        name=name,
        body=body,
        provider_template_name=provider_name,
        provider_template_params=tuple(dict.fromkeys(variables_in(body))),
        buttons=buttons,
    )


PREVENTIVE = Stage.PREVENTIVE.value
ADMINISTRATIVE = Stage.ADMINISTRATIVE.value
PRE_LEGAL = Stage.PRE_LEGAL.value

SIGNATURE = "Cordialmente,\n{{ collector_identity }}\n\n{{ opt_out_text }}"

DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    # --- reminder-before-due --------------------------------------------------------------
    DefaultTemplate(
        "reminder-before-due",
        "sms",
        PREVENTIVE,
        "Recordatorio antes del vencimiento (SMS)",
        "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Le recordamos que su "
        "cuota de {{ instalment_amount }} vence el {{ due_date }}. Pague en: {{ payment_link }} "
        "{{ opt_out_text }}",
    ),
    _whatsapp(
        "reminder-before-due",
        PREVENTIVE,
        "Recordatorio antes del vencimiento (WhatsApp)",
        "recaudo_recordatorio_pago",
        "Hola, {{ first_name }}. Le escribimos de {{ collector_identity }}.\n\n"
        "Le recordamos que su cuota de {{ instalment_amount }} vence el {{ due_date }}. "
        "Puede pagar con {{ payment_methods }}, o en línea con el botón de abajo.\n\n"
        "{{ opt_out_text }}",
        (PAY_BUTTON, ADVISER_BUTTON),
    ),
    DefaultTemplate(
        "reminder-before-due",
        "email",
        PREVENTIVE,
        "Recordatorio antes del vencimiento (correo)",
        "Hola, {{ first_name }}:\n\n"
        "Le recordamos que su cuota de {{ instalment_amount }} vence el {{ due_date }}. "
        "Si ya la pagó, muchas gracias: no tiene que hacer nada más.\n\n"
        "Puede pagar en línea en {{ payment_link }} o con {{ payment_methods }}.\n\n" + SIGNATURE,
        subject="Su cuota vence el {{ due_date }}",
    ),
    DefaultTemplate(
        "reminder-before-due",
        "push",
        PREVENTIVE,
        "Recordatorio antes del vencimiento (notificación)",
        "{{ first_name }}, su cuota de {{ instalment_amount }} vence el {{ due_date }}. "
        "Toque aquí para pagar en minutos. {{ collector_identity }}.",
        subject="Su cuota vence pronto",
    ),
    # --- due-today ------------------------------------------------------------------------
    DefaultTemplate(
        "due-today",
        "sms",
        PREVENTIVE,
        "Vence hoy (SMS)",
        "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Hoy vence su cuota de "
        "{{ instalment_amount }}. Pague en minutos en: {{ payment_link }} {{ opt_out_text }}",
    ),
    _whatsapp(
        "due-today",
        PREVENTIVE,
        "Vence hoy (WhatsApp)",
        "recaudo_vence_hoy",
        "Hola, {{ first_name }}. Le escribimos de {{ collector_identity }}.\n\n"
        "Hoy vence su cuota de {{ instalment_amount }}. Si ya pagó, gracias. Si todavía no, "
        "puede hacerlo en minutos con el botón de abajo o con {{ payment_methods }}.\n\n"
        "{{ opt_out_text }}",
        (PAY_BUTTON, ADVISER_BUTTON),
    ),
    DefaultTemplate(
        "due-today",
        "email",
        PREVENTIVE,
        "Vence hoy (correo)",
        "Hola, {{ first_name }}:\n\n"
        "Hoy vence su cuota de {{ instalment_amount }}. Si ya la pagó, muchas gracias.\n\n"
        "Si todavía no, puede pagar en minutos en {{ payment_link }} o con "
        "{{ payment_methods }}.\n\n" + SIGNATURE,
        subject="Hoy vence su cuota de {{ instalment_amount }}",
    ),
    # --- payment-link ---------------------------------------------------------------------
    DefaultTemplate(
        "payment-link",
        "sms",
        ADMINISTRATIVE,
        "Enlace de pago (SMS)",
        "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Su cuenta tiene "
        "{{ amount }} pendientes. Póngase al día en minutos en: {{ payment_link }} "
        "{{ opt_out_text }}",
    ),
    _whatsapp(
        "payment-link",
        ADMINISTRATIVE,
        "Enlace de pago (WhatsApp)",
        "recaudo_enlace_pago",
        "Hola, {{ first_name }}. Le escribimos de {{ collector_identity }}.\n\n"
        "Su cuenta tiene un valor pendiente de {{ amount }}. Puede ponerse al día en minutos "
        "con el botón de abajo o con {{ payment_methods }}. Si necesita otra fecha o un plan, "
        "un asesor puede ayudarle.\n\n{{ opt_out_text }}",
        (PAY_BUTTON, ADVISER_BUTTON),
    ),
    DefaultTemplate(
        "payment-link",
        "email",
        ADMINISTRATIVE,
        "Enlace de pago (correo)",
        "Hola, {{ first_name }}:\n\n"
        "Su cuenta tiene un valor pendiente de {{ amount }}. Para que ponerse al día sea "
        "fácil, este es su enlace de pago personal: {{ payment_link }}\n\n"
        "También puede pagar con {{ payment_methods }}. Si necesita otra fecha o un plan de "
        "pagos, responda a este correo y le ayudamos.\n\n" + SIGNATURE,
        subject="Su enlace de pago para ponerse al día",
    ),
    # --- plan-offer -----------------------------------------------------------------------
    DefaultTemplate(
        "plan-offer",
        "sms",
        ADMINISTRATIVE,
        "Oferta de plan de pagos (SMS)",
        "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Podemos ofrecerle un "
        "plan de pagos a su medida para su saldo de {{ amount }}. Véalo en: {{ self_service_link }} "
        "{{ opt_out_text }}",
    ),
    _whatsapp(
        "plan-offer",
        ADMINISTRATIVE,
        "Oferta de plan de pagos (WhatsApp)",
        "recaudo_oferta_plan",
        "Hola, {{ first_name }}. Le escribimos de {{ collector_identity }}.\n\n"
        "Sabemos que a veces las cuentas se complican. Para su saldo de {{ amount }} podemos "
        "ofrecerle un plan de pagos en cuotas que se ajuste a su presupuesto. ¿Le gustaría "
        "conocerlo?\n\n{{ opt_out_text }}",
        (PLAN_BUTTON, ADVISER_BUTTON),
    ),
    DefaultTemplate(
        "plan-offer",
        "email",
        ADMINISTRATIVE,
        "Oferta de plan de pagos (correo)",
        "Hola, {{ first_name }}:\n\n"
        "Sabemos que a veces las cuentas se complican, y queremos ayudarle. Para su saldo de "
        "{{ amount }} podemos ofrecerle un plan de pagos en cuotas que se ajuste a su "
        "presupuesto.\n\n"
        "Vea las opciones en {{ self_service_link }} o responda a este correo para acordarlo con "
        "un asesor.\n\n" + SIGNATURE,
        subject="Un plan de pagos a su medida",
    ),
    # --- voice-reminder -------------------------------------------------------------------
    DefaultTemplate(
        "voice-reminder",
        "voice",
        ADMINISTRATIVE,
        "Recordatorio por llamada (guion)",
        "Hola, le habla el asistente virtual de {{ collector_identity }}. Esta llamada es para "
        "{{ full_name }}. Su cuenta tiene un valor pendiente de {{ amount }}. "
        "Para recibir un enlace de pago por mensaje, marque 1. "
        "Para hablar con un asesor, marque 2. {{ opt_out_text }} Muchas gracias.",
    ),
    # --- adviser-followup -----------------------------------------------------------------
    _whatsapp(
        "adviser-followup",
        ADMINISTRATIVE,
        "Seguimiento de un asesor (WhatsApp)",
        "recaudo_seguimiento_asesor",
        "Hola, {{ first_name }}. Le escribe su asesor de {{ collector_identity }}.\n\n"
        "Queremos ayudarle a encontrar la mejor forma de ponerse al día con su saldo de "
        "{{ amount }}. Responda este mensaje y con gusto revisamos juntos las opciones.\n\n"
        "{{ opt_out_text }}",
        (ADVISER_BUTTON, PAY_BUTTON),
    ),
    DefaultTemplate(
        "adviser-followup",
        "email",
        ADMINISTRATIVE,
        "Seguimiento de un asesor (correo)",
        "Hola, {{ first_name }}:\n\n"
        "Soy su asesor y quiero ayudarle a encontrar la mejor forma de ponerse al día con su "
        "saldo de {{ amount }}. Podemos revisar juntos un plan de pagos o una nueva fecha.\n\n"
        "Responda a este correo con el horario que le quede mejor y le contactamos. "
        "Si prefiere, puede pagar en {{ payment_link }}.\n\n" + SIGNATURE,
        subject="Le ayudamos a ponerse al día",
    ),
    # --- pre-legal-notice -----------------------------------------------------------------
    DefaultTemplate(
        "pre-legal-notice",
        "email",
        PRE_LEGAL,
        "Aviso prejurídico (correo)",
        "Estimado(a) {{ full_name }}:\n\n"
        "Su cuenta {{ external_id }} tiene un valor pendiente de {{ amount }}, con "
        "{{ days_past_due }} días de atraso. Queremos ayudarle a resolverlo antes de que la "
        "cuenta pase a cobro prejurídico, una etapa que preferimos evitarle.\n\n"
        "Tiene estas opciones:\n"
        "- Pagar el valor pendiente en {{ payment_link }} o con {{ payment_methods }}.\n"
        "- Acordar un plan de pagos con un asesor, respondiendo a este correo.\n\n"
        "Si ya realizó el pago, le agradecemos y le pedimos que no tenga en cuenta este "
        "aviso.\n\n" + SIGNATURE,
        subject="Aviso importante sobre su cuenta {{ external_id }}",
    ),
    DefaultTemplate(
        "pre-legal-notice",
        "letter",
        PRE_LEGAL,
        "Aviso prejurídico (carta)",
        "Su cuenta {{ external_id }} tiene un valor pendiente de {{ amount }}, con "
        "{{ days_past_due }} días de atraso. Queremos ayudarle a resolverlo antes de que la "
        "cuenta pase a cobro prejurídico, una etapa que preferimos evitarle.\n\n"
        "Tiene estas opciones:\n"
        "- Pagar el valor pendiente en línea, en el enlace de abajo, o con "
        "{{ payment_methods }}.\n"
        "- Acordar un plan de pagos con un asesor.\n\n"
        "Si ya realizó el pago, le agradecemos y le pedimos que no tenga en cuenta esta "
        "carta.\n\n"
        "Cordialmente,\n{{ collector_identity }}",
        subject="Aviso sobre su cuenta {{ external_id }}",
    ),
    # --- promise-reminder -----------------------------------------------------------------
    DefaultTemplate(
        "promise-reminder",
        "sms",
        ADMINISTRATIVE,
        "Recordatorio de compromiso de pago (SMS)",
        "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. Gracias por su "
        "compromiso de pago de {{ promise_amount }} para el {{ promise_date }}. Pague en: "
        "{{ payment_link }} {{ opt_out_text }}",
    ),
    _whatsapp(
        "promise-reminder",
        ADMINISTRATIVE,
        "Recordatorio de compromiso de pago (WhatsApp)",
        "recaudo_recordatorio_compromiso",
        "Hola, {{ first_name }}. Le escribimos de {{ collector_identity }}.\n\n"
        "Gracias por su compromiso de pago de {{ promise_amount }} para el "
        "{{ promise_date }}. Puede pagar con el botón de abajo o con {{ payment_methods }}.\n\n"
        "{{ opt_out_text }}",
        (PAY_BUTTON, PROMISE_BUTTON),
    ),
    # --- promise-broken -------------------------------------------------------------------
    DefaultTemplate(
        "promise-broken",
        "sms",
        ADMINISTRATIVE,
        "Seguimiento de un compromiso no cumplido (SMS)",
        "Hola, {{ first_name }}. Le escribe {{ collector_identity }}. No vimos el pago "
        "acordado. Si necesita otra fecha o un plan: {{ payment_link }} {{ opt_out_text }}",
    ),
    _whatsapp(
        "promise-broken",
        ADMINISTRATIVE,
        "Seguimiento de un compromiso no cumplido (WhatsApp)",
        "recaudo_compromiso_no_cumplido",
        "Hola, {{ first_name }}. Le escribimos de {{ collector_identity }}.\n\n"
        "Gracias por el compromiso de pago que hizo con nosotros. Todavía no vemos el pago, "
        "y sabemos que a veces surgen imprevistos. Su saldo pendiente es {{ amount }}: puede "
        "elegir una nueva fecha o un plan de pagos que se ajuste a su presupuesto.\n\n"
        "{{ opt_out_text }}",
        (PAY_BUTTON, PLAN_BUTTON, ADVISER_BUTTON),
    ),
    DefaultTemplate(
        "promise-broken",
        "email",
        ADMINISTRATIVE,
        "Seguimiento de un compromiso no cumplido (correo)",
        "Hola, {{ first_name }}:\n\n"
        "Gracias por el compromiso de pago que hizo con nosotros. Todavía no vemos el pago, "
        "y sabemos que a veces surgen imprevistos.\n\n"
        "Queremos ayudarle a ponerse al día con su saldo pendiente de {{ amount }}. Puede "
        "pagar en {{ payment_link }}, elegir allí una nueva fecha o un plan de pagos, o "
        "responder a este correo para acordarlo con un asesor.\n\n" + SIGNATURE,
        subject="Le ayudamos a elegir una nueva fecha de pago",
    ),
)
