import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("debts", "0006_plans_and_assistant_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="hold",
            name="status_before",
            field=models.CharField(
                blank=True,
                choices=[
                    ("active", "active"),
                    ("promise", "promise to pay"),
                    ("plan", "payment plan"),
                    ("dispute", "in dispute"),
                    ("legal", "legal"),
                    ("paid", "paid"),
                    ("written_off", "written off"),
                    ("closed", "closed"),
                ],
                default="",
                max_length=20,
                verbose_name="status before",
            ),
        ),
        migrations.AddField(
            model_name="instalment",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="superseded_instalments",
                to="debts.plan",
                verbose_name="superseded by plan",
            ),
        ),
    ]
