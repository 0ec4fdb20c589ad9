"""Load the sites app's sectors, monitoring indicators (thresholds with their sources) and
movement reasons as versioned data (nahrain/sites/data/)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def load(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from nahrain.sites.codelists import codelists_load

    codelists_load(
        sector_model=apps.get_model("sites", "Sector"),
        indicator_model=apps.get_model("sites", "Indicator"),
        reason_model=apps.get_model("sites", "MovementReason"),
    )


class Migration(migrations.Migration):
    dependencies = [("sites", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
