"""Second factors move to django-otp; sign-in failures become attempt counters with growing
waits; enrolment links; tokens record whether they were issued with a second factor."""

import base64
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_devices_to_django_otp(apps, schema_editor):
    """Each confirmed TOTP device becomes a django-otp TOTPDevice with the same secret (base32
    to hex) and the same last accepted time step, so that neither the authenticator app nor the
    replay protection changes. Unfinished set-ups are dropped: they get a new enrolment link."""
    TotpDevice = apps.get_model("core", "TotpDevice")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for old in TotpDevice.objects.filter(confirmed_at__isnull=False):
        secret = old.secret.strip().upper()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
        TOTPDevice.objects.create(
            user_id=old.user_id,
            name="authenticator",
            confirmed=True,
            key=key,
            last_t=old.last_step or -1,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
        ("otp_totp", "0003_add_timestamps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move_devices_to_django_otp, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="totpdevice",
            name="user",
        ),
        migrations.DeleteModel(
            name="TotpDevice",
        ),
        migrations.CreateModel(
            name="AttemptCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[("web", "web sign-in"), ("collect", "collector credentials")],
                        max_length=10,
                    ),
                ),
                ("key", models.CharField(max_length=200)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("last_attempt_at", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name="EnrolmentLink",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.DeleteModel(
            name="LoginFailure",
        ),
        migrations.AddField(
            model_name="apitoken",
            name="with_second_factor",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="attemptcounter",
            constraint=models.UniqueConstraint(
                fields=("scope", "key"), name="attempt_counter_unique_key"
            ),
        ),
        migrations.AddField(
            model_name="enrolmentlink",
            name="created_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="enrolmentlink",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enrolment_links",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
