"""Reads of the health app, scoped to the caller by ``access``."""

from __future__ import annotations

from datetime import date

from nahrain.health.models import Facility


def catchment_population_on(facility: Facility, on: date) -> int | None:
    """The newest denominator taken on or before a date; None where none was taken, or where
    none of the catchment's places had a figure (no denominator is not a population of 0)."""
    found = facility.populations.filter(on__lte=on).order_by("-on").first()
    return found.individuals if found is not None and found.sources else None
