"""Organisations' contact phones: plaintext column → AES-GCM ciphertext + keyed lookup hash."""

import re

from django.db import migrations, models

COLUMN = "people_organisation.contact_phone"


def encrypt_phones(apps, schema_editor):
    from wangge.people.crypto import cipher

    Organisation = apps.get_model("people", "Organisation")
    c = cipher()
    for org in Organisation.objects.exclude(contact_phone="").iterator(chunk_size=2000):
        phone = org.contact_phone.strip()
        org.contact_phone_cipher = c.encrypt(phone, column=COLUMN)
        org.contact_phone_hash = c.lookup_hash(re.sub(r"\D", "", phone), kind="phone")
        org.save(update_fields=["contact_phone_cipher", "contact_phone_hash"])


def decrypt_phones(apps, schema_editor):
    from wangge.people.crypto import cipher

    Organisation = apps.get_model("people", "Organisation")
    c = cipher()
    for org in Organisation.objects.exclude(contact_phone_cipher="").iterator(chunk_size=2000):
        org.contact_phone = c.decrypt(org.contact_phone_cipher, column=COLUMN)
        org.save(update_fields=["contact_phone"])


class Migration(migrations.Migration):
    dependencies = [("people", "0009_import_leases")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="contact_phone_cipher",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="organisation",
            name="contact_phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="organisation", name="contact_phone"),
    ]
