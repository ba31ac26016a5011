"""Service orders' contact phones: plaintext column → AES-GCM ciphertext + keyed lookup hash."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from wangge.community.contact import order_contact_phone_fields

    ServiceOrder = apps.get_model("community", "ServiceOrder")
    batch = []
    qs = ServiceOrder.objects.exclude(contact_phone="").only("pk", "contact_phone").order_by("pk")
    for order in qs.iterator(chunk_size=2000):
        for field, value in order_contact_phone_fields(order.contact_phone).items():
            setattr(order, field, value)
        batch.append(order)
        if len(batch) >= 2000:
            ServiceOrder.objects.bulk_update(batch, ["contact_phone_cipher", "contact_phone_hash"])
            batch = []
    ServiceOrder.objects.bulk_update(batch, ["contact_phone_cipher", "contact_phone_hash"])


def decrypt_phones(apps, schema_editor):
    from wangge.community.contact import order_contact_phone

    ServiceOrder = apps.get_model("community", "ServiceOrder")
    for order in ServiceOrder.objects.exclude(contact_phone_cipher="").iterator(chunk_size=2000):
        order.contact_phone = order_contact_phone(order)
        order.save(update_fields=["contact_phone"])


class Migration(migrations.Migration):
    dependencies = [("community", "0002_chinese_labels")]

    operations = [
        migrations.AddField(
            model_name="serviceorder",
            name="contact_phone_cipher",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="serviceorder",
            name="contact_phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="serviceorder", name="contact_phone"),
    ]
