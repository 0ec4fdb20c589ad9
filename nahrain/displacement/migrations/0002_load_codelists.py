"""Load the DTM code lists (shelter types and groups, periods) as versioned data."""

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
    dependencies = [("displacement", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
