"""The audit log as one keyed hash chain, and the signed anchors of the chain heads."""

import django.utils.timezone
from django.db import migrations, models


def link_existing(apps, schema_editor):
    """Chain the records written before the chain, oldest first."""
    from wangge.core.auditchain import AUDIT_CHAIN, audit_hash

    AuditLog = apps.get_model("core", "AuditLog")
    ChainHead = apps.get_model("core", "ChainHead")
    seq, prev = 0, ""
    batch = []
    for row in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.hash = prev = audit_hash(row, prev)
        batch.append(row)
        if len(batch) >= 2000:
            AuditLog.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    AuditLog.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
    ChainHead.objects.create(name=AUDIT_CHAIN, seq=seq, hash=prev)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_config_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=32, unique=True)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "哈希链头",
                "verbose_name_plural": "哈希链头",
            },
        ),
        migrations.AddField(
            model_name="auditlog",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="seq",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, unique=True, verbose_name="序号"
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, verbose_name="时间"
            ),
        ),
        migrations.CreateModel(
            name="ChainAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("cases", "事件处理记录"), ("audit", "审计日志")],
                        max_length=16,
                        verbose_name="类型",
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(verbose_name="序号")),
                ("created_at", models.DateTimeField(verbose_name="时间")),
                ("entries", models.PositiveBigIntegerField(verbose_name="条数")),
                ("digest", models.CharField(max_length=64)),
                ("prev_mac", models.CharField(blank=True, max_length=64)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "哈希链锚点",
                "verbose_name_plural": "哈希链锚点",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "seq"), name="chain_anchor_kind_seq_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop, elidable=True),
    ]
