"""A few canned replies for every creditor (Spanish, usted); editable in the admin."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    (
        "Saludo",
        "Buenos días, {nombre}. Le saluda {asesor}, asesor de {acreedor}. "
        "Con gusto le ayudo. ¿En qué puedo servirle?",
    ),
    (
        "Saldo pendiente",
        "{nombre}, según nuestros registros su saldo pendiente es de {saldo}. "
        "¿Desea que le enviemos un enlace de pago o prefiere acordar una fecha?",
    ),
    (
        "Confirmar promesa",
        "Gracias, {nombre}. Queda registrado su compromiso de pago. "
        "Le enviaremos un recordatorio antes de la fecha acordada.",
    ),
    (
        "Verificando pago",
        "{nombre}, estamos verificando el pago que nos informó. "
        "Le confirmaremos por este medio apenas se vea reflejado.",
    ),
    (
        "Despedida",
        "Fue un gusto atenderle, {nombre}. Si necesita algo más, escríbanos por este medio. "
        "Que tenga un buen día.",
    ),
]


def install(apps: Any, schema_editor: Any) -> None:
    CannedReply = apps.get_model("conversations", "CannedReply")
    for title, body in DEFAULTS:
        CannedReply.objects.get_or_create(
            creditor=None, title=title, defaults={"body": body, "language": "es"}
        )


def remove(apps: Any, schema_editor: Any) -> None:
    CannedReply = apps.get_model("conversations", "CannedReply")
    CannedReply.objects.filter(creditor=None, title__in=[title for title, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("conversations", "0003_canned_reply")]

    operations = [migrations.RunPython(install, remove)]
