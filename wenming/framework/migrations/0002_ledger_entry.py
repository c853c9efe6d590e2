"""Rename TaskInstance to LedgerEntry (its 台账 entry), keeping every row."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("framework", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="taskinstance", name="task_instance_unique_period"),
        migrations.RemoveConstraint(model_name="submission", name="submission_unique_version"),
        migrations.RenameModel(old_name="TaskInstance", new_name="LedgerEntry"),
        migrations.RenameField(model_name="submission", old_name="instance", new_name="entry"),
        migrations.RenameField(model_name="taskevent", old_name="instance", new_name="entry"),
        migrations.AlterModelOptions(
            name="ledgerentry",
            options={
                "ordering": ["deadline", "id"],
                "verbose_name": "ledger entry",
                "verbose_name_plural": "ledger entries",
            },
        ),
        migrations.AlterModelOptions(
            name="submission",
            options={
                "ordering": ["entry", "version"],
                "verbose_name": "evidence submission",
                "verbose_name_plural": "evidence submissions",
            },
        ),
        migrations.AddConstraint(
            model_name="submission",
            constraint=models.UniqueConstraint(
                fields=("entry", "version"), name="submission_unique_version"
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="task",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="entries",
                to="framework.task",
                verbose_name="task",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="submissions",
                to="framework.ledgerentry",
                verbose_name="ledger entry",
            ),
        ),
        migrations.AlterField(
            model_name="taskevent",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="framework.ledgerentry",
                verbose_name="ledger entry",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                fields=("task", "period_start"), name="ledger_entry_unique_period"
            ),
        ),
    ]
