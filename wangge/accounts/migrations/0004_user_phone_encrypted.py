"""Accounts' phones: plaintext column → AES-GCM ciphertext + keyed lookup hash."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from wangge.accounts.phones import user_phone_fields

    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.exclude(phone="").only("pk", "phone").order_by("pk").iterator(chunk_size=2000):
        for field, value in user_phone_fields(user.phone).items():
            setattr(user, field, value)
        batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["phone_cipher", "phone_hash"])
            batch = []
    User.objects.bulk_update(batch, ["phone_cipher", "phone_hash"])


def decrypt_phones(apps, schema_editor):
    from wangge.accounts.phones import user_phone

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(phone_cipher="").iterator(chunk_size=2000):
        user.phone = user_phone(user)
        user.save(update_fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_chinese_labels")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_cipher",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="user", name="phone"),
    ]
