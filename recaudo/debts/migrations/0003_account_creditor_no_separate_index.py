import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("debts", "0002_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="creditor",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="debts.creditor",
            ),
        ),
    ]
