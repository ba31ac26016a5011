"""Followers' phones: plaintext column → AES-GCM ciphertext + keyed lookup hash; one follower
per case and phone is now kept by the hash."""

from django.db import migrations, models
from django.db.models import Q


def encrypt_phones(apps, schema_editor):
    from wangge.cases.followers import follower_phone_fields

    CaseFollower = apps.get_model("cases", "CaseFollower")
    batch = []
    qs = CaseFollower.objects.exclude(phone="").only("pk", "phone").order_by("pk")
    for follower in qs.iterator(chunk_size=2000):
        for field, value in follower_phone_fields(follower.phone).items():
            setattr(follower, field, value)
        batch.append(follower)
        if len(batch) >= 2000:
            CaseFollower.objects.bulk_update(batch, ["phone_cipher", "phone_hash"])
            batch = []
    CaseFollower.objects.bulk_update(batch, ["phone_cipher", "phone_hash"])


def decrypt_phones(apps, schema_editor):
    from wangge.cases.followers import follower_phone

    CaseFollower = apps.get_model("cases", "CaseFollower")
    for follower in CaseFollower.objects.exclude(phone_cipher="").iterator(chunk_size=2000):
        follower.phone = follower_phone(follower)
        follower.save(update_fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_keyed_chain_checkpoints")]

    operations = [
        migrations.AddField(
            model_name="casefollower",
            name="phone_cipher",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="casefollower",
            name="phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveConstraint(model_name="casefollower", name="follower_phone_once"),
        migrations.RemoveField(model_name="casefollower", name="phone"),
        migrations.AddConstraint(
            model_name="casefollower",
            constraint=models.UniqueConstraint(
                condition=Q(("phone_hash", ""), _negated=True),
                fields=("case", "phone_hash"),
                name="follower_phone_once",
            ),
        ),
    ]
