"""Administrative units with p-codes, their aliases, and locations."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nahrain.geo.normalize import code_key, name_key

LEVEL_NAMES = {
    0: _("Country"),
    1: _("Governorate"),
    2: _("District"),
    3: _("Subdistrict"),
}


class AdminUnit(models.Model):
    """A country (level 0), governorate (1), district (2) or subdistrict (3), keyed by p-code."""

    pcode = models.CharField(_("p-code"), max_length=32, unique=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_ckb = models.CharField(_("name (Kurdish)"), max_length=200, blank=True)
    valid_on = models.DateField(_("valid on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84) and its bounding box; empty for units
    # known only from the gazetteer.
    geometry = models.JSONField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    # A point inside the unit, for labels and proportional symbols.
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level", "pcode"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=0, level__lte=3), name="adminunit_level_0_3"
            ),
        ]
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return f"{self.pcode} {self.name_en}"

    @property
    def level_name(self) -> str:
        """What a unit of this level is called in Iraq (OCHA's admin 0 to 3), in the reader's
        language: the subdistrict (ناحية) is named like the others."""
        return str(LEVEL_NAMES.get(self.level, self.level))

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Arabic then English."""
        language = (get_language() or "en").split("-")[0]
        if language == "ckb":
            return self.name_ckb or self.name_ar or self.name_en
        if language == "ar":
            return self.name_ar or self.name_en
        return self.name_en


class AliasKind(models.TextChoices):
    NAME = "name", _("Name")
    CODE = "code", _("Code")


LEARNT = "learnt"  # the source of aliases people taught the system, from a file's spelling


class Alias(models.Model):
    """One spelling or code by which a unit is known; ``key`` is what matching compares.

    Learnt aliases (``source`` "learnt") record who taught the spelling, when, and from which
    file; the others come with the gazetteer and the boundaries. An alias an organisation's
    information manager taught (``organisation``) resolves that organisation's files alone: one
    organisation cannot change how another's spellings are read. The operator's
    (``nahrain geo alias add``) serve everyone.
    """

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(max_length=10, choices=AliasKind.choices, default=AliasKind.NAME)
    source = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "key"],
                condition=models.Q(organisation__isnull=True),
                name="alias_unit_key",
            ),
            models.UniqueConstraint(
                fields=["unit", "key", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="alias_unit_key_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.unit.pcode}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.key = alias_key(self.name, self.kind)
        super().save(*args, **kwargs)


def alias_key(name: str, kind: str) -> str:
    """The key an alias is matched by: codes keep their hyphens, names are normalised."""
    return code_key(name) if kind == AliasKind.CODE else name_key(name)


class LocationType(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWN = "town", _("Town or city")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    CAMP = "camp", _("Camp")
    INFORMAL_SITE = "informal_site", _("Informal site")
    COLLECTIVE_CENTRE = "collective_centre", _("Collective centre")
    OTHER = "other", _("Other")


class LocationKind(models.TextChoices):
    """What a location is for; each kind has its own master list and may have a steward."""

    DTM_PLACE = "dtm_place", _("DTM location")
    SITE = "site", _("Site")
    HEALTH_FACILITY = "health_facility", _("Health facility")
    SERVICE_POINT = "service_point", _("Service point")


class LocationSteward(models.Model):
    """The organisation whose master list defines the canonical locations of a kind (IOM's DTM
    master list in Iraq). Only its published rounds and its information managers' explicit
    edits change a canonical location; every other organisation references them."""

    kind = models.CharField(max_length=20, choices=LocationKind.choices, unique=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.organisation} stewards {self.kind}"


class Location(models.Model):
    """A place below the admin units (village, neighbourhood, site) with its owner's id for it.

    Locations have an owner: the organisation whose file or edit created them. Until a round of
    the owner that counts a location is published (``published_at``), the owner alone sees it;
    after that, its name, point and unit change only when another round of the owner is
    published or by an explicit edit, with history. The steward's published locations are the
    canonical master list that other organisations reference; a published location with no
    owner is part of the operator's reference list and canonical too.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        max_length=20, choices=LocationKind.choices, default=LocationKind.DTM_PLACE
    )
    owner = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    external_id = models.CharField(_("external id"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    admin_unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="locations"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    type = models.CharField(max_length=20, choices=LocationType.choices, default=LocationType.OTHER)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "external_id"],
                condition=models.Q(owner__isnull=False),
                name="location_owner_kind_id",
            ),
            models.UniqueConstraint(
                fields=["kind", "external_id"],
                condition=models.Q(owner__isnull=True),
                name="location_reference_kind_id",
            ),
        ]
        indexes = [models.Index(fields=["kind", "external_id"])]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name_en}"

    def attributes(self) -> dict[str, Any]:
        """What a master list says of a place: compared on import, kept in its history."""
        return {
            "name_en": self.name_en,
            "name_ar": self.name_ar,
            "admin_unit": self.admin_unit_id,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


class LocationChange(models.Model):
    """One applied change of a location's name, unit or point: its history.

    ``source`` says where it came from: the round whose publication applied it, or an edit.
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    source = models.CharField(max_length=100)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["location", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.location.external_id} changed at {self.at:%Y-%m-%d} ({self.source})"

    @property
    def source_label(self) -> str:
        """Where the change came from, in the reader's language."""
        if self.source == "edit":
            return str(_("Corrected by an information manager"))
        number, _sep, version = self.source.removeprefix("round ").partition(" v")
        if number.isdigit() and version.isdigit():
            return str(_("Published with round %(number)s") % {"number": number})
        return self.source
