"""Each sampled household gets a code of its own for the interviewer's list and the PDM form,
in place of its list token (a claim ticket at the distribution desk). Samples drawn before are
given codes here, unique within their sample."""

import secrets
from typing import Any

from django.db import migrations, models

# The list tokens' letters (services.TOKEN_ALPHABET), copied: a migration keeps its own.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def _code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}"


def codes_give(apps: Any, schema_editor: Any) -> None:
    sampled = apps.get_model("assistance", "SampledHousehold")
    taken: dict[int, set[str]] = {}
    for member in sampled.objects.order_by("pk").iterator():
        seen = taken.setdefault(member.sample_id, set())
        code = _code()
        while code in seen:
            code = _code()
        seen.add(code)
        member.code = code
        member.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0003_users_optional"),
    ]

    operations = [
        migrations.AddField(
            model_name="sampledhousehold",
            name="code",
            field=models.CharField(default="", max_length=9),
            preserve_default=False,
        ),
        migrations.RunPython(codes_give, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="sampledhousehold",
            constraint=models.UniqueConstraint(fields=("sample", "code"), name="sampled_code_once"),
        ),
    ]
