"""Reload the code lists: "informal settlements" in Arabic is تجمعات غير رسمية. The word used
before (مستوطنات) reads as the Israeli settlements to an Iraqi reader."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def load(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from nahrain.displacement.codelists import codelists_load

    codelists_load(
        list_model=apps.get_model("displacement", "CodeList"),
        item_model=apps.get_model("displacement", "CodeItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("displacement", "0006_import_jobs_to_intake")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
