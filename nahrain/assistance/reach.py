"""Reach: the people a programme reached, per district, by sex and age group, each counted once
however many times they were served (``ReachFigure``), and the figures, 4W rows and HXL export
drawn from it.

**Counted once.** A household is reached by a programme when it has a served receipt of it (any
cycle, any distribution, any version of the list); it counts once, in the district of its first
served receipt's list entry (the entry's admin unit, else its site's; a subdistrict counts in its
district; a place known only to its governorate counts in the governorate).

**Who, and how old.** The people reached are the household's members alive and in the household
on the day of its first served receipt, by their sex and their age on that day: that is who the
assistance reached. Counting them at refresh time instead would add a child born after the
kit was handed out, drop a man who died since, and move people between age groups on their
birthdays, so that a month's reach already sent to the 4W would change under the cluster's
feet. (A correction of a date of birth in the registry still changes it, as it should.) A
member with no date of birth counts in the sex's ``unknown`` column, so that the cells add up
to the people.

**Who sees what.** The programme's own organisation sees the exact figures; anyone else sees
them with small cells (1 to 4) hidden and secondary suppression (``core.suppression``), done
once per programme on its finest table (districts by sex and age group, and households by
district), so that a row picked out by a filter, or a total, reveals nothing that table hides.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from nahrain.assistance.codelists import LISTS
from nahrain.assistance.models import Programme, ProgrammeStatus, ReachFigure, Receipt
from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Organisation
from nahrain.core.services import audit_record
from nahrain.core.suppression import derived_total, suppress
from nahrain.geo.models import AdminUnit
from nahrain.registry.models import Individual
from nahrain.registry.rollups import born_by

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SEXES = ("f", "m")


def age_groups() -> list[tuple[int, int | None]]:
    return [(low, high) for low, high in LISTS.data["reach"]["age_groups"]]


def _group_name(low: int, high: int | None) -> str:
    return str(low) if high is None else f"{low}_{high}"


def cells() -> list[str]:
    """The sex and age cells of a row, women and girls first, then the unknown ages: they add
    up to the people."""
    groups = [_group_name(low, high) for low, high in age_groups()]
    return [f"{sex}_{group}" for sex in SEXES for group in [*groups, "unknown"]]


def threshold() -> int:
    return int(LISTS.data["reach"]["small_cell_below"])


# --- counting ---------------------------------------------------------------------------------


@dataclass
class _Tally:
    households: int = 0
    people: int = 0

    def __post_init__(self) -> None:
        self.cells = dict.fromkeys(cells(), 0)


def _districts(unit_ids: Iterable[Any]) -> dict[Any, Any]:
    """Each admin unit's district (level 2): itself, a subdistrict's parent, or a governorate
    itself when the place is known no closer; none for a country."""
    units = {
        u["pk"]: u
        for u in AdminUnit.objects.filter(pk__in=set(unit_ids) - {None}).values(
            "pk", "level", "parent_id"
        )
    }
    found: dict[Any, Any] = {}
    for pk, unit in units.items():
        if unit["level"] in (1, 2):
            found[pk] = pk
        elif unit["level"] == 3:
            found[pk] = unit["parent_id"]
    return found


def _served(programme_ids: Sequence[Any], districts: set[Any] | None) -> QuerySet[Receipt]:
    """The programmes' served receipts; with ``districts``, those of the households with a
    served receipt there (its entry's admin unit, or its site's, in the district or one of its
    subdistricts): only they can count there, but all their receipts say which came first."""
    served = Receipt.objects.filter(programme_id__in=programme_ids, served=True)
    if districts is None:
        return served
    units = set(districts) | set(
        AdminUnit.objects.filter(parent_id__in=districts, level=3).values_list("pk", flat=True)
    )
    there = served.filter(
        Q(entry__admin_unit_id__in=units)
        | Q(entry__admin_unit__isnull=True, entry__site__admin_unit_id__in=units)
    )
    return served.filter(household_id__in=there.values("household_id"))


def _first_served(
    served: QuerySet[Receipt], month: tuple[date, date] | None = None
) -> dict[tuple[Any, Any], tuple[Any, date]]:
    """(programme, household) -> (district, day of its first served receipt) for every household
    of these receipts; with ``month`` (first and last day), only those first served then."""
    receipts = served.order_by("programme_id", "household_id", "recorded_at", "pk").values_list(
        "programme_id",
        "household_id",
        "recorded_at",
        "entry__admin_unit_id",
        "entry__site__admin_unit_id",
    )
    first: dict[tuple[Any, Any], tuple[Any, date]] = {}
    for programme_id, household_id, recorded_at, unit_id, site_unit_id in receipts.iterator(
        chunk_size=5000
    ):
        first.setdefault(
            (programme_id, household_id),
            (unit_id or site_unit_id, timezone.localdate(recorded_at)),
        )
    districts = _districts(unit for unit, _day in first.values())
    return {
        key: (districts[unit], day)
        for key, (unit, day) in first.items()
        if districts.get(unit) is not None and (month is None or month[0] <= day <= month[1])
    }


@cache
def _bands(on: date) -> tuple[tuple[date | None, str], ...]:
    """The age groups on a day, oldest first, as (latest date of birth in the group, its
    name); ``None`` for the youngest, which takes everyone left. Cached: the receipts of a
    programme fall on few days, and its people are many."""
    groups = sorted(age_groups(), reverse=True)
    return tuple(
        (born_by(on, low) if n < len(groups) - 1 else None, _group_name(low, high))
        for n, (low, high) in enumerate(groups)
    )


def _cell(sex: str, born_on: date | None, on: date) -> str:
    if born_on is None:
        return f"{sex}_unknown"
    for latest, name in _bands(on):
        if latest is None or born_on <= latest:
            return f"{sex}_{name}"
    raise AssertionError("the youngest group takes everyone left")


def _count(
    programme_ids: Sequence[Any],
    month: tuple[date, date] | None = None,
    districts: set[Any] | None = None,
) -> dict[tuple[Any, Any], _Tally]:
    """(programme, district) -> the households and people reached (see the module's words), in
    these districts if given."""
    served = _served(programme_ids, districts)
    first = {
        key: (district, day)
        for key, (district, day) in _first_served(served, month).items()
        if districts is None or district in districts
    }
    tallies: dict[tuple[Any, Any], _Tally] = {}
    by_household: dict[Any, list[tuple[Any, Any, date]]] = {}
    for (programme_id, household_id), (district, day) in first.items():
        if (programme_id, district) not in tallies:
            tallies[(programme_id, district)] = _Tally()
        tallies[(programme_id, district)].households += 1
        by_household.setdefault(household_id, []).append((programme_id, district, day))
    members = Individual.objects.filter(household__in=served.values("household_id")).values_list(
        "household_id", "sex", "born_on", "status", "died_on", "left_on"
    )
    for household_id, sex, born_on, status, died_on, left_on in members.iterator(chunk_size=5000):
        for programme_id, district, day in by_household.get(household_id, ()):
            if born_on is not None and born_on > day:
                continue  # born afterwards
            if (died_on is not None and died_on <= day) or (left_on is not None and left_on <= day):
                continue  # gone by then
            if status != "active" and died_on is None and left_on is None:
                continue  # gone, and since when nobody recorded: not counted as reached
            tally = tallies[(programme_id, district)]
            tally.people += 1
            tally.cells[_cell(sex, born_on, day)] += 1
    return tallies


def refresh(*, programme_ids: Iterable[Any], admin_unit_ids: Iterable[Any] | None = None) -> int:
    """Rewrite the programmes' reach rows (only those of these districts when given), counted
    afresh from the served receipts; returns the rows written. Receipt writes call it on
    commit for the programme and district they touched."""
    programmes = sorted(set(programme_ids))
    if not programmes:
        return 0
    only = None if admin_unit_ids is None else set(_districts(admin_unit_ids).values())
    with transaction.atomic():
        # One refresh of a programme at a time: two teams' receipts committed together would
        # otherwise both delete the old rows and both insert new ones (the second refused by
        # ``reach_once``), or one count miss the other's receipt. Counted under the lock, each
        # sees every receipt committed before it.
        list(Programme.objects.select_for_update().filter(pk__in=programmes).values_list("pk"))
        tallies = _count(programmes, districts=only)
        stale = ReachFigure.objects.filter(programme_id__in=programmes)
        if only is not None:
            stale = stale.filter(admin_unit_id__in=only)
        stale.delete()
        rows = ReachFigure.objects.bulk_create(
            ReachFigure(
                programme_id=programme_id,
                admin_unit_id=district,
                households=tally.households,
                people=tally.people,
                **tally.cells,
            )
            for (programme_id, district), tally in sorted(tallies.items(), key=str)
        )
    return len(rows)


class _Batch:
    """The refreshes one transaction asks for, run once after it commits: a reconciliation that
    pays 5,000 households, or a sync of a day's recordings, recounts each programme and district
    once, not once per receipt."""

    def __init__(self) -> None:
        self.districts: dict[Any, set[Any] | None] = {}

    def add(self, programme_id: Any, admin_unit_id: Any) -> None:
        known = self.districts.get(programme_id, set())
        if admin_unit_id is None or known is None:
            self.districts[programme_id] = None  # the whole programme
        else:
            self.districts[programme_id] = {*known, admin_unit_id}

    def run(self) -> None:
        for programme_id, units in self.districts.items():
            refresh(programme_ids=[programme_id], admin_unit_ids=units)


def refresh_on_commit(*, programme_id: Any, admin_unit_id: Any = None) -> None:
    """Refresh the programme's reach (in the admin unit's district; the whole programme when
    none is given) once the current transaction commits, together with every other refresh the
    transaction asked for. The admin unit is that of the served household's list entry (its
    own, else its site's): reach counts a household where its entry places it."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, queued, _robust in connection.run_on_commit:
            queued_batch = getattr(queued, "__self__", None)
            if isinstance(queued_batch, _Batch):
                queued_batch.add(programme_id, admin_unit_id)
                return
    batch = _Batch()
    batch.add(programme_id, admin_unit_id)
    # Robust: the receipts are committed whatever the rollup does; a refresh that fails is
    # logged and made good by the next one. A bound method, not the batch itself: Django logs
    # the failure under the callback's ``__qualname__``, which an instance does not have (the
    # logging itself would raise).
    transaction.on_commit(batch.run, robust=True)


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReachRow:
    """A programme's reach in one district: ``None`` for a figure hidden by small-cell
    suppression."""

    programme: Programme
    organisation: Organisation
    cluster: str
    kind: str
    hrp_project: str
    governorate: AdminUnit
    district: AdminUnit | None  # None: known only to its governorate
    households: int | None
    people: int | None
    cells: dict[str, int | None]
    exact: bool  # the reader is of the programme's organisation


@dataclass(frozen=True)
class ReachFigures:
    rows: list[ReachRow]
    threshold: int
    totals: dict[str, int | None]  # households, people and every cell, over the rows


def _members_of(user: AnyUser) -> set[Any]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True))


def _published(
    figures: Sequence[ReachFigure], *, exact: bool
) -> list[tuple[int | None, int | None, dict[str, int | None]]]:
    """Each row's households, people and cells as the reader may see them: two tables, the
    people by sex and age group (their row total the people) and the households."""
    columns = cells()
    people_table = [[getattr(f, c) for c in columns] for f in figures]
    households_table = [[f.households] for f in figures]
    if exact or not figures:
        return [
            (f.households, f.people, dict(zip(columns, row, strict=True)))
            for f, row in zip(figures, people_table, strict=True)
        ]
    people = suppress(people_table, threshold=threshold())
    households = suppress(households_table, threshold=threshold())
    return [
        (
            households.cells[n][0],
            people.row_totals[n],
            dict(zip(columns, people.cells[n], strict=True)),
        )
        for n in range(len(figures))
    ]


def reach_figures(
    *,
    user: AnyUser,
    programme: Programme | None = None,
    cluster: str | None = None,
    governorate: AdminUnit | None = None,
) -> ReachFigures:
    """Reach by programme and district (of a programme, a cluster or a governorate if given),
    exact for the programme's own organisation and suppressed for anyone else (see the module's
    words). Signed-out readers get nothing. The totals are summed from the rows as shown: a
    total with a hidden part is hidden."""
    mine = _members_of(user)
    return _figures(
        user=user,
        mine=mine,
        exact_for=mine,
        programme=programme,
        cluster=cluster,
        governorate=governorate,
    )


def _figures(
    *,
    user: AnyUser,
    mine: set[Any],
    exact_for: set[Any],
    programme: Programme | None,
    cluster: str | None,
    governorate: AdminUnit | None,
) -> ReachFigures:
    """The figures of the running and closed programmes, and the drafts of the reader's own
    organisations (``mine``), exact for the organisations in ``exact_for``."""
    if not user.is_authenticated:
        return ReachFigures([], threshold(), dict.fromkeys(["households", "people", *cells()]))
    programmes = Programme.objects.exclude(status=ProgrammeStatus.DRAFT) | Programme.objects.filter(
        organisation_id__in=mine
    )
    if programme is not None:
        programmes = programmes.filter(pk=programme.pk)
    if cluster is not None:
        programmes = programmes.filter(cluster=cluster)
    figures = (
        ReachFigure.objects.filter(programme__in=programmes)
        .select_related("programme__organisation", "admin_unit__parent")
        .defer("admin_unit__geometry", "admin_unit__parent__geometry")
        .order_by("programme__organisation__acronym", "programme__code", "admin_unit__pcode")
    )
    by_programme: dict[Any, list[ReachFigure]] = {}
    for figure in figures:
        by_programme.setdefault(figure.programme_id, []).append(figure)
    rows: list[ReachRow] = []
    for group in by_programme.values():
        own = group[0].programme
        exact = own.organisation_id in exact_for
        for figure, (households, people, shown) in zip(
            group, _published(group, exact=exact), strict=True
        ):
            unit = figure.admin_unit
            county = unit.parent if unit.level == 2 and unit.parent is not None else unit
            if governorate is not None and county.pk != governorate.pk:
                continue
            rows.append(
                ReachRow(
                    programme=own,
                    organisation=own.organisation,
                    cluster=own.cluster,
                    kind=own.kind,
                    hrp_project=own.hrp_project,
                    governorate=county,
                    district=unit if unit.level == 2 else None,
                    households=households,
                    people=people,
                    cells=shown,
                    exact=exact,
                )
            )
    totals = {
        "households": derived_total(r.households for r in rows),
        "people": derived_total(r.people for r in rows),
        **{c: derived_total(r.cells[c] for r in rows) for c in cells()},
    }
    return ReachFigures(rows=rows, threshold=threshold(), totals=totals)


# --- the 4W -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FourWRow:
    """One line of the organisation's monthly 4W: the people its programme reached for the
    first time that month in one district (new beneficiaries, so that the months add up to the
    unique reach), exact: it is the organisation's own report."""

    organisation: str  # acronym
    cluster: str
    hrp_project: str
    programme: str  # the programme's code
    kind: str
    modality: str
    admin1_pcode: str
    admin2_pcode: str  # empty: known only to the governorate
    month: date  # its first day
    households: int
    people: int
    cells: dict[str, int]


def _month(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first, date.fromordinal(following.toordinal() - 1)


def reach_rows_for_4w(*, organisation: Organisation, month: date) -> list[FourWRow]:
    """The rows the coordination app reads for the organisation's 4W of ``month`` (any day of
    it): per programme and district, the households and people first reached in the month, by
    sex and age group. Exact figures, for the organisation's own report: whatever the
    coordination app shows to another organisation must go through ``core.suppression``."""
    programmes = {p.pk: p for p in Programme.objects.filter(organisation=organisation)}
    tallies = _count(list(programmes), _month(month))
    units = {
        u.pk: u
        for u in AdminUnit.objects.filter(pk__in={d for _p, d in tallies})
        .select_related("parent")
        .defer("geometry", "parent__geometry")
    }
    rows = []
    for (programme_id, district), tally in tallies.items():
        programme, unit = programmes[programme_id], units[district]
        county = unit.parent if unit.level == 2 and unit.parent else unit
        rows.append(
            FourWRow(
                organisation=organisation.acronym,
                cluster=programme.cluster,
                hrp_project=programme.hrp_project,
                programme=programme.code,
                kind=programme.kind,
                modality=programme.modality,
                admin1_pcode=county.pcode,
                admin2_pcode=unit.pcode if unit.level == 2 else "",
                month=_month(month)[0],
                households=tally.households,
                people=tally.people,
                cells=dict(tally.cells),
            )
        )
    return sorted(rows, key=lambda r: (r.programme, r.admin1_pcode, r.admin2_pcode))


# --- the HXL export ---------------------------------------------------------------------------

# HXL 1.1 hashtags and attributes (hxlstandard.org/standard/dictionary): #reached with +hh or
# +ind, +f/+m, and the loose age attributes +children, +adults, +elderly refined by the Iraq
# 4W's own +age0_17, +age18_59, +age60_.
HXL_AGE = {"0_17": "+children+age0_17", "18_59": "+adults+age18_59", "60": "+elderly+age60_"}


def _hxl_cell(cell: str) -> str:
    sex, group = cell.split("_", 1)
    return f"#reached+{sex}" + HXL_AGE.get(group, "+age_unknown")


def hxl_csv(
    *,
    user: User,
    programme: Programme | None = None,
    cluster: str | None = None,
    governorate: AdminUnit | None = None,
) -> str:
    """The reach figures as an HXL-tagged CSV for HDX and the cluster: always with small cells
    suppressed, even for the programme's own organisation, because the file leaves it. A
    hidden figure is an empty cell. The export is audited."""
    shown = _figures(
        user=user,
        mine=_members_of(user),
        exact_for=set(),
        programme=programme,
        cluster=cluster,
        governorate=governorate,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [
        "Organisation",
        "Cluster",
        "HRP project",
        "Programme",
        "Assistance",
        "Governorate",
        "Governorate p-code",
        "District",
        "District p-code",
        "Households reached",
        "People reached",
        *[f"Reached {c}" for c in cells()],
    ]
    tags = [
        "#org+name",
        "#sector+code",
        "#activity+hrp+code",
        "#activity+code",
        "#activity+type",
        "#adm1+name",
        "#adm1+code",
        "#adm2+name",
        "#adm2+code",
        "#reached+hh",
        "#reached+ind",
        *[_hxl_cell(c) for c in cells()],
    ]
    writer.writerow(header)
    writer.writerow(tags)
    for row in shown.rows:
        writer.writerow(
            [
                row.organisation.acronym,
                row.cluster,
                row.hrp_project,
                row.programme.code,
                row.kind,
                row.governorate.name_en,
                row.governorate.pcode,
                row.district.name_en if row.district else "",
                row.district.pcode if row.district else "",
                _blank(row.households),
                _blank(row.people),
                *[_blank(row.cells[c]) for c in cells()],
            ]
        )
    audit_record(
        actor=user,
        action="assistance.reach_export",
        object_type="programme" if programme else "reach",
        object_id=programme.uid if programme else "",
        organisation=programme.organisation if programme else None,
        detail={"rows": len(shown.rows), "format": "hxl"},
    )
    return out.getvalue()


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)
