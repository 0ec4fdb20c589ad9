"""Give every existing location the owner that the rounds counting it imply.

Before locations had owners, the first import of a place id fixed it for every organisation. A
location counted (or moved) by one organisation's data alone becomes that organisation's, and
published if one of its published rounds counts it. A location several organisations counted
stays without owner; it joins the operator's reference list (canonical for all) only if a
published round counts it, so that no draft's name or point becomes the reference. A location
nothing counts stays without owner, unpublished: no one can name it until an operator does.
"""

from django.db import migrations
from django.utils import timezone


def assign_owners(apps, schema_editor):
    Location = apps.get_model("geo", "Location")
    LocationAssessment = apps.get_model("displacement", "LocationAssessment")
    Movement = apps.get_model("displacement", "MovementEvent")
    owners: dict[int, set] = {}
    published: set[int] = set()
    for location_id, organisation_id, status in LocationAssessment.objects.values_list(
        "location_id", "round__organisation_id", "round__status"
    ).distinct():
        owners.setdefault(location_id, set()).add(organisation_id)
        if status == "published":
            published.add(location_id)
    for location_id, organisation_id in Movement.objects.values_list(
        "location_id", "organisation_id"
    ).distinct():
        owners.setdefault(location_id, set()).add(organisation_id)
    now = timezone.now()
    for location in Location.objects.filter(pk__in=list(owners)):
        orgs = owners[location.pk]
        if len(orgs) == 1:
            location.owner_id = next(iter(orgs))
        location.published_at = now if location.pk in published else None
        location.save(update_fields=["owner", "published_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("displacement", "0004_pending_location_changes"),
        ("geo", "0002_location_owners"),
    ]

    operations = [migrations.RunPython(assign_owners, migrations.RunPython.noop)]
