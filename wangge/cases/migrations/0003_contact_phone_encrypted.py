"""Reporters' phones: plaintext column → AES-GCM ciphertext + keyed lookup hash."""

from django.db import migrations, models
from django.db.models import Q


def encrypt_phones(apps, schema_editor):
    from wangge.cases.contact import contact_phone_fields

    Case = apps.get_model("cases", "Case")
    batch = []
    qs = Case.objects.exclude(contact_phone="").only("pk", "contact_phone").order_by("pk")
    for case in qs.iterator(chunk_size=2000):
        fields = contact_phone_fields(case.contact_phone)
        case.contact_phone_cipher = fields["contact_phone_cipher"]
        case.contact_phone_hash = fields["contact_phone_hash"]
        batch.append(case)
        if len(batch) >= 2000:
            Case.objects.bulk_update(batch, ["contact_phone_cipher", "contact_phone_hash"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["contact_phone_cipher", "contact_phone_hash"])


def decrypt_phones(apps, schema_editor):
    from wangge.cases.contact import PHONE_COLUMN
    from wangge.people.crypto import cipher

    Case = apps.get_model("cases", "Case")
    c = cipher()
    for case in Case.objects.exclude(contact_phone_cipher="").iterator(chunk_size=2000):
        case.contact_phone = c.decrypt(case.contact_phone_cipher, column=PHONE_COLUMN)
        case.save(update_fields=["contact_phone"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_categories")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="contact_phone_cipher",
            field=models.TextField(blank=True, verbose_name="联系电话（密文）"),
        ),
        migrations.AddField(
            model_name="case",
            name="contact_phone_hash",
            field=models.CharField(blank=True, max_length=32, verbose_name="联系电话摘要"),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="case", name="contact_phone"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=~Q(contact_phone_hash=""),
                fields=["contact_phone_hash"],
                name="case_contact_phone_hash",
            ),
        ),
    ]
