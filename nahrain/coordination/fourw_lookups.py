"""What the 4W import reads a sheet's words against, built once per file: the clusters and the
catalogue (codes and labels in English, Arabic and Kurdish, and the spellings clusters use,
``data/fourw.json``), the reporting calendar, and the import's gate."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404

from nahrain.coordination import access, codelists, services
from nahrain.coordination.fourw import vocabulary
from nahrain.coordination.models import ReportingPeriod
from nahrain.core.access import AnyUser, access_organisation_by_id, is_platform_admin, user_roles
from nahrain.core.models import Organisation
from nahrain.core.problems import Unresolved
from nahrain.geo.selectors import AdminUnitIndex
from nahrain.intake.columns import header_key

name_key = codelists.name_key

_LANGUAGES = ("en", "ar", "ckb")


def _keys(entry: dict[str, Any]) -> set[str]:
    """An entry's code and labels, as sheets spell them."""
    found = {header_key(entry["code"])}
    for language in _LANGUAGES:
        if entry.get(f"label_{language}"):
            found.add(header_key(entry[f"label_{language}"]))
    return found - {""}


class Catalogue:
    """Clusters, activities and indicators by code or label, per cluster."""

    def __init__(self) -> None:
        self.clusters: dict[str, str] = {}
        self.parents: dict[str, str] = {}
        for entry in codelists.LISTS.entries("clusters"):
            self.parents[entry["code"]] = entry.get("parent") or entry["code"]
            for key in _keys(entry):
                self.clusters[key] = entry["code"]
        for code, spellings in vocabulary()["clusters"].items():
            for spelling in spellings:
                self.clusters.setdefault(header_key(spelling), code)
        self.activities: dict[str, dict[str, str]] = {}
        self.indicators: dict[tuple[str, str], dict[str, str]] = {}
        self.only_indicator: dict[tuple[str, str], str] = {}
        for cluster, activities in codelists.catalogue()["clusters"].items():
            by_key = self.activities.setdefault(cluster, {})
            for activity in activities:
                for key in _keys(activity):
                    by_key[key] = activity["code"]
                indicators = self.indicators.setdefault((cluster, activity["code"]), {})
                for indicator in activity["indicators"]:
                    for key in _keys(indicator):
                        indicators[key] = indicator["code"]
                # A sheet that names no indicator reports the people reached: the activity's one
                # indicator, or its one indicator counting people.
                people = [i for i in activity["indicators"] if i["unit"] == "people"]
                only = activity["indicators"] if len(activity["indicators"]) == 1 else people
                if len(only) == 1:
                    self.only_indicator[(cluster, activity["code"])] = only[0]["code"]

        self._found: dict[tuple[str, ...], str | None] = {}

    def _memo(self, key: tuple[str, ...], find: Any) -> str | None:
        # A sheet repeats a few dozen spellings over tens of thousands of rows.
        if key not in self._found:
            self._found[key] = find()
        return self._found[key]

    def cluster(self, text: str) -> str | None:
        return self._memo(
            ("c", text), lambda: self.clusters.get(header_key(text)) if text.strip() else None
        )

    def cluster_of(self, cluster: str) -> str:
        """The cluster an area of responsibility belongs to (itself for a cluster)."""
        return self.parents.get(cluster, cluster)

    def activity(self, cluster: str, text: str) -> str | None:
        return self._memo(
            ("a", cluster, text),
            lambda: (
                self.activities.get(cluster, {}).get(header_key(text)) if text.strip() else None
            ),
        )

    def indicator(self, cluster: str, activity: str, text: str) -> str | None:
        if not text.strip():
            return self.only_indicator.get((cluster, activity))
        return self._memo(
            ("i", cluster, activity, text),
            lambda: self.indicators.get((cluster, activity), {}).get(header_key(text)),
        )


class PeriodRule:
    """Whether a month's rows may still be written (``services.is_open``: not locked, and
    before its deadline or reopened since), each month read once."""

    def __init__(self) -> None:
        self.periods = {p.month: p for p in ReportingPeriod.objects.all()}
        self.known: dict[date, bool] = {}

    def open(self, month: date) -> bool:
        if month not in self.known:
            period = self.periods.get(month) or ReportingPeriod(
                month=month, deadline=codelists.deadline(month)
            )
            self.known[month] = services.is_open(period)
        return self.known[month]


def unresolved(index: AdminUnitIndex, spelling: str, level: int, row: int) -> Unresolved:
    """A place's spelling no unit answers to, with the closest units, to teach once."""
    return Unresolved(
        text=spelling,
        level=level,
        within=None,
        candidates=tuple((u.pcode, u.name_en) for u in index.suggestions(spelling, level=level)),
        row=row,
    )


def may_import_into(user: AnyUser, organisation: Organisation) -> bool:
    """Who imports a 4W sheet into an organisation: its information managers and data entry
    (its own rows), and a cluster's coordinators and information managers who belong to it
    (their cluster's rows of any partner, ``access.may_import`` row by row)."""
    if not user.is_authenticated:
        return False
    if is_platform_admin(user) or access.may_report(user, organisation):
        return True
    return bool(user_roles(user, organisation)) and bool(access.clusters_coordinated(user))


def access_organisation_for_4w(user: AnyUser, organisation_id: Any) -> Organisation:
    """The organisation a 4W sheet goes into: the same 404 for missing and not-yours."""
    organisation = access_organisation_by_id(user, organisation_id)
    if not may_import_into(user, organisation):
        raise Http404
    return organisation
