"""Hotline orders' caller phones: plaintext column → AES-GCM ciphertext + keyed lookup hash."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from wangge.cases.contact import contact_phone_hash
    from wangge.hotline.services import caller_phone_cipher

    HotlineOrder = apps.get_model("hotline", "HotlineOrder")
    batch = []
    qs = HotlineOrder.objects.exclude(caller_phone="").only("pk", "caller_phone").order_by("pk")
    for order in qs.iterator(chunk_size=2000):
        order.caller_phone_cipher = caller_phone_cipher(order.caller_phone)
        order.caller_phone_hash = contact_phone_hash(order.caller_phone)
        batch.append(order)
        if len(batch) >= 2000:
            HotlineOrder.objects.bulk_update(batch, ["caller_phone_cipher", "caller_phone_hash"])
            batch = []
    HotlineOrder.objects.bulk_update(batch, ["caller_phone_cipher", "caller_phone_hash"])


def decrypt_phones(apps, schema_editor):
    from wangge.hotline.services import order_caller_phone

    HotlineOrder = apps.get_model("hotline", "HotlineOrder")
    for order in HotlineOrder.objects.exclude(caller_phone_cipher="").iterator(chunk_size=2000):
        order.caller_phone = order_caller_phone(order)
        order.save(update_fields=["caller_phone"])


class Migration(migrations.Migration):
    dependencies = [("hotline", "0003_import_progress")]

    operations = [
        migrations.AddField(
            model_name="hotlineorder",
            name="caller_phone_cipher",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="hotlineorder",
            name="caller_phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="hotlineorder", name="caller_phone"),
    ]
