"""Case-event chains keyed with WANGGE_CHAIN_KEY, and the checkpoints that pin their heads.

Existing chains (unkeyed SHA-256 links) are re-keyed in place by `chain_rekey`, which first
checks each chain under the old links and leaves a broken one as it was (docs/hardening.md).
The first run of the anchor task then checkpoints every case.
"""

import django.db.models.deletion
from django.db import migrations, models


def rekey(apps, schema_editor):
    from wangge.cases.chain import chain_rekey

    chain_rekey(
        case_model=apps.get_model("cases", "Case"), event_model=apps.get_model("cases", "CaseEvent")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_chinese_labels"),
        ("core", "0007_audit_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_count", models.PositiveIntegerField()),
                ("head", models.CharField(max_length=64)),
                (
                    "anchor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="case_checkpoints",
                        to="core.chainanchor",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
            ],
            options={
                "verbose_name": "哈希链检查点",
                "verbose_name_plural": "哈希链检查点",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "anchor"), name="case_checkpoint_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=True),
    ]
