"""The cluster 4W sheet on the intake pipeline (``coordination.4w``).

A partner's monthly 4W, or a cluster's whole sheet of every partner, comes in as the clusters
write it (``fourw``: English, Arabic or HXL-tagged headers). Each row is read into a report row
of its organisation and month, every cell resolved or named as a problem with the file, row and
column:

- the organisation as partners write it ("I.O.M", "International Organization for Migration",
  "المنظمة الدولية للهجرة") through the names mapped once (``PartnerName``), or the
  organisation's own acronym or name; an unknown spelling is taught once (the page, ``--partner
  "SPELLING=ACRONYM"``, ``nahrain coordination partner-name``) and read so ever after;
- the cluster, activity and indicator from the catalogue, by code or label in English or Arabic;
- the place by p-code of either scheme (IQG01Q01 or the 2014 IQ-D002) or by name through the
  gazetteer's aliases, down to the subdistrict or a known site;
- the month, which must be open (a locked reporting period refuses its rows), the population
  group, the HRP project, and the figure with its breakdown by sex and age.

A row repeating what the system filled automatically for the organisation and month (its
distributions, referrals provided, consultations) is refused: one figure is never reported twice.
All or nothing: one problem refuses the file, and a dry run writes nothing. The rows are written
by ``services.rows_import``, set-based.

The file goes into an organisation (the uploader's): its information managers and data entry
import their own rows; a cluster's coordinators and information managers who belong to it
import any partner's rows of their cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.coordination import access, codelists, rules, services
from nahrain.coordination import fourw_lookups as lookups
from nahrain.coordination.fourw import (
    CELL_FIELDS,
    FIELDS,
    count_of,
    month_of,
    population_group_of,
    status_of,
)
from nahrain.coordination.models import (
    PartnerName,
    Project,
    ReportRow,
    RowSource,
)
from nahrain.coordination.problem_words import WORDS
from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected, Problem, Severity, rule_words_add
from nahrain.displacement.bulk import collector_paused
from nahrain.geo.models import AdminUnit
from nahrain.geo.selectors import AdminUnitIndex
from nahrain.geo.services import alias_learn
from nahrain.intake.columns import (
    Column,
    apply_column_map,
    check_mapping,
    column_letter,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
from nahrain.intake.readers import read_table
from nahrain.intake.spec import Intake, Outcome, Spec, register
from nahrain.sites.models import Site

FOUR_W = "coordination.4w"
# What ``services.rows_import`` refuses, as this file's rules and fields.
_RULE_OF = {
    "not_yours": "not_your_partner",
    rules.PERIOD_CLOSED: "period_locked",
    rules.ALREADY_REPORTED: "reported_by_system",
    "row_repeated": "row_twice",
    "cells_sum": "cells_sum",
    "population_group_unknown": "unknown_population_group",
    "indicator_unknown": "unknown_indicator",
    "indicator_elsewhere": "unknown_indicator",
}
_FIELD_OF = {"organisation": "partner", "cells": "value", "admin_unit": "district_code"}
PLACE_FIELDS = (
    "governorate",
    "governorate_code",
    "district",
    "district_code",
    "subdistrict",
    "subdistrict_code",
    "pcode",
    "site",
    "site_code",
)


@dataclass
class _Read:
    """What a file says once resolved: the rows to write and what is to be learnt with them."""

    rows: list[services.ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    partners_taught: dict[str, Organisation] = field(default_factory=dict)
    skipped: int = 0


class _Places:
    """Admin units and sites, resolved once per distinct spelling."""

    def __init__(self, intake: Intake, organisation: Organisation) -> None:
        self.index = AdminUnitIndex(intake.aliases, organisation_id=organisation.pk)
        self.units = self.index.units
        self.sites_by_code: dict[str, Site] = {}
        self.sites_by_name: dict[str, list[Site]] = {}
        for site in Site.objects.only("pk", "code", "name_en", "name_ar", "admin_unit_id"):
            self.sites_by_code[site.code.strip().upper()] = site
            for name in (site.name_en, site.name_ar):
                if name.strip():
                    self.sites_by_name.setdefault(lookups.name_key(name), []).append(site)
        self._cache: dict[tuple[str, int | None, int | None], AdminUnit | None] = {}

    def unit(self, text: str, *, level: int | None, within: AdminUnit | None) -> AdminUnit | None:
        key = (text, level, within.pk if within is not None else None)
        if key not in self._cache:
            self._cache[key] = self.index.resolve(text, level=level, within=within)
        return self._cache[key]

    def inside(self, unit: AdminUnit, within: AdminUnit) -> bool:
        current: AdminUnit | None = unit
        while current is not None:
            if current.pk == within.pk:
                return True
            current = self.units.get(current.parent_id) if current.parent_id else None
        return False

    def governorate_of(self, unit: AdminUnit) -> AdminUnit | None:
        current: AdminUnit | None = unit
        while current is not None and current.level > 1:
            current = self.units.get(current.parent_id) if current.parent_id else None
        return current if current is not None and current.level == 1 else None


class _Partners:
    """Organisations as partners write them: the names mapped once, the organisations' own
    acronyms and names, and the spellings taught for this import (``--partner``)."""

    def __init__(self, taught: dict[str, str]) -> None:
        self.by_key: dict[str, Organisation] = {}
        organisations = list(Organisation.objects.all())
        by_acronym = {o.acronym.casefold(): o for o in organisations}
        by_pk = {o.pk: o for o in organisations}
        for organisation in organisations:
            for spelling in (organisation.acronym, organisation.name):
                self.by_key.setdefault(lookups.name_key(spelling), organisation)
        for key, organisation_id in PartnerName.objects.values_list("key", "organisation_id"):
            if organisation_id in by_pk:
                self.by_key[key] = by_pk[organisation_id]
        self.taught: dict[str, Organisation] = {}
        self.unknown_acronyms: list[str] = []
        for spelling, acronym in taught.items():
            named = by_acronym.get(acronym.strip().casefold())
            if named is None:
                self.unknown_acronyms.append(acronym)
                continue
            self.taught[spelling] = named
            self.by_key[lookups.name_key(spelling)] = named
        self.known: dict[str, Organisation | None] = {}
        self.compact: dict[str, Organisation] = {}
        for key, organisation in self.by_key.items():
            self.compact.setdefault(key.replace(" ", ""), organisation)

    def resolve(self, text: str) -> Organisation | None:
        if text not in self.known:
            self.known[text] = self._resolve(text)
        return self.known[text]

    def _resolve(self, text: str) -> Organisation | None:
        key = lookups.name_key(text)
        found = self.by_key.get(key)
        if found is None:
            # "I.O.M" and "IOM": letters the sheet spaced or dotted apart.
            found = self.compact.get(key.replace(" ", ""))
        return found


def _where(columns: dict[str, Column], name: str) -> str:
    column = columns.get(f"field:{name}")
    return column_letter(column.index) if column is not None else ""


def _header(intake: Intake) -> tuple[Any, dict[str, Column], list[dict[str, str]], int]:
    table = read_table(intake.data, file=intake.file)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, FIELDS, hxl=hxl)
    problems = apply_column_map(
        columns, intake.column_map, file=intake.file, row=header_row, fields=FIELDS
    )
    targets, header_problems = check_mapping(columns, FIELDS, file=intake.file, row=header_row)
    problems += header_problems
    named = {t.removeprefix("field:") for t in targets}
    if not named & set(PLACE_FIELDS):
        problems.append(
            Problem(
                intake.file,
                header_row,
                "",
                "missing_column",
                gettext(
                    "no column for the place: expected one of Governorate, District, "
                    "Sub-district, P-code, Location/Camp (or #adm1, #adm2, #loc)"
                ),
            )
        )
    if not named & {"value", *CELL_FIELDS}:
        problems.append(
            Problem(
                intake.file,
                header_row,
                "",
                "missing_column",
                gettext(
                    "no column for the figure: expected # individuals reached, Total, Value, "
                    "or Girls, Boys, Women, Men (or #reached)"
                ),
            )
        )
    mapping = mapping_summary(columns)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    return table, targets, mapping, 2 if hxl is not None else 1


def _read(intake: Intake) -> tuple[_Read, list[dict[str, str]], dict[str, str]]:
    organisation: Organisation = intake.target
    table, columns, mapping, start = _header(intake)
    body = [
        (number, cells)
        for number, cells in list(zip(table.row_numbers, table.rows, strict=True))[start:]
        if any(c.strip() for c in cells)
    ]
    at = {f.name: _where(columns, f.name) for f in FIELDS}
    file = intake.file
    read = _Read()
    problems = read.problems

    def problem(row: int, name: str, rule: str, message: str) -> None:
        problems.append(Problem(file, row, at.get(name, ""), rule, message))

    partners = _Partners(dict(intake.options.get("partners") or {}))
    for acronym in partners.unknown_acronyms:
        problems.append(
            Problem(
                file,
                None,
                "",
                "unknown_partner",
                gettext("%(acronym)r is the acronym of no organisation") % {"acronym": acronym},
            )
        )
    read.partners_taught = partners.taught
    places = _Places(intake, organisation)
    catalogue = lookups.Catalogue()
    projects = {p.code.upper(): p for p in Project.objects.only("pk", "code", "cluster")}
    own_clusters = access.clusters_coordinated(intake.actor) if intake.actor else set()
    periods = lookups.PeriodRule()
    seen: dict[tuple[Any, ...], int] = {}
    unknown_places: dict[tuple[str, int | None], int] = {}
    index = {name.removeprefix("field:"): c.index for name, c in columns.items()}
    # Where a row is depends on its place columns alone: resolved once per distinct spelling
    # of them (a sheet names a few hundred places in tens of thousands of rows).
    where: dict[tuple[str, ...], tuple[Any, Any, str, list[tuple[str, str, str]]]] = {}

    for done, (number, row) in enumerate(body, start=1):
        if done % 1000 == 0:
            intake.progress("checking", done, len(body))
        found = len(problems)

        values = {name: row[i].strip() if i < len(row) else "" for name, i in index.items()}

        def text(name: str, _values: dict[str, str] = values) -> str:
            return _values.get(name, "")

        status = status_of(text("status"))
        if status is None:
            problem(
                number,
                "status",
                "unknown_status",
                gettext("%(value)r is not planned, ongoing or completed")
                % {"value": text("status")},
            )
        elif status == "planned":
            read.skipped += 1
            read.warnings.append(
                Problem(
                    file,
                    number,
                    at["status"],
                    "planned_skipped",
                    gettext("planned: the row reaches nobody yet and is left out"),
                    severity=Severity.WARNING,
                )
            )
            continue

        # Who.
        partner = partners.resolve(text("partner"))
        if partner is None:
            problem(
                number,
                "partner",
                "unknown_partner",
                gettext(
                    "%(name)r names no organisation yet: map it once, e.g. "
                    '--partner "%(name)s=ACRONYM" or nahrain coordination partner-name'
                )
                % {"name": text("partner")},
            )
        implementing: Organisation | None = None
        if text("implementing_partner"):
            implementing = partners.resolve(text("implementing_partner"))
            if implementing is None:
                problem(
                    number,
                    "implementing_partner",
                    "unknown_partner",
                    gettext("%(name)r names no organisation yet: map it once")
                    % {"name": text("implementing_partner")},
                )

        # What.
        cluster_text = text("aor") or text("cluster")
        cluster = catalogue.cluster(cluster_text)
        if cluster is None:
            problem(
                number,
                "aor" if text("aor") else "cluster",
                "unknown_cluster",
                gettext("%(value)r is not a cluster of the response") % {"value": cluster_text},
            )
        activity = indicator = None
        if cluster is not None:
            activity = catalogue.activity(cluster, text("activity"))
            if activity is None:
                problem(
                    number,
                    "activity",
                    "unknown_activity",
                    gettext("%(value)r is not an activity of %(cluster)s")
                    % {"value": text("activity"), "cluster": cluster},
                )
            else:
                indicator = catalogue.indicator(cluster, activity, text("indicator"))
                if indicator is None:
                    problem(
                        number,
                        "indicator",
                        "unknown_indicator",
                        gettext("%(value)r is not an indicator of the activity %(activity)s")
                        % {"value": text("indicator"), "activity": activity},
                    )
        if (
            intake.actor is not None
            and partner is not None
            and cluster is not None
            and partner.pk != organisation.pk
            and cluster not in own_clusters
        ):
            problem(
                number,
                "partner",
                "not_your_partner",
                gettext(
                    "a row of %(partner)s: you import the rows of %(organisation)s, or every "
                    "partner's of a cluster you coordinate"
                )
                % {"partner": partner.acronym, "organisation": organisation.acronym},
            )

        # Where.
        spelled = tuple(text(name) for name in PLACE_FIELDS)
        if spelled not in where:
            issues: list[tuple[str, str, str]] = []

            def noted(_row: int, name: str, rule: str, message: str, _into: Any = issues) -> None:
                _into.append((name, rule, message))

            where[spelled] = (*_place(number, text, places, noted, unknown_places), issues)
        unit, site, place_column, issues = where[spelled]
        for name, rule, message in issues:
            problem(number, name, rule, message)

        # When.
        month = month_of(text("month"), text("year"))
        if month is None:
            problem(
                number,
                "month",
                "unknown_month",
                gettext("%(value)r is not a month (2018-03, March 2018)")
                % {"value": " ".join(filter(None, (text("month"), text("year"))))},
            )
        elif not periods.open(month):
            problem(
                number,
                "month",
                "period_locked",
                gettext("the reporting period %(month)s is closed to reports")
                % {"month": month.isoformat()[:7]},
            )

        # For whom, and how many.
        group = population_group_of(text("population_group"))
        if group is None:
            problem(
                number,
                "population_group",
                "unknown_population_group",
                gettext("%(value)r is not a population group")
                % {"value": text("population_group")},
            )
        project_id = None
        if text("project_code"):
            project = projects.get(text("project_code").upper())
            if project is None:
                problem(
                    number,
                    "project_code",
                    "unknown_project",
                    gettext("%(value)r is not an HRP project code")
                    % {"value": text("project_code")},
                )
            else:
                project_id = project.pk
        value, cells = _figures(number, text, problem)
        people = indicator is not None and codelists.indicator(indicator).unit == "people"
        if value is not None and cells and people and sum(cells.values()) != value:
            problem(
                number,
                "value",
                "cells_sum",
                gettext("girls, boys, women and men add up to %(sum)s, not %(value)s")
                % {"sum": sum(cells.values()), "value": value},
            )

        if len(problems) > found:
            continue
        assert partner is not None and cluster and activity and indicator and unit is not None
        assert month is not None and group is not None and value is not None
        key = (partner.pk, month, activity, indicator, unit.pk, site.pk if site else None, group)
        if key in seen:
            problem(
                number,
                place_column,
                "row_twice",
                gettext("the same activity, place, month and group as row %(row)s")
                % {"row": seen[key]},
            )
            continue
        seen[key] = number
        read.rows.append(
            services.ImportRow(
                row=number,
                organisation_id=partner.pk,
                month=month,
                cluster=cluster,
                activity=activity,
                indicator=indicator,
                admin_unit_id=unit.pk,
                site_id=site.pk if site is not None else None,
                population_group=group,
                cells=cells,
                value=value,
                project_id=project_id,
                implementing_partner_id=implementing.pk if implementing is not None else None,
            )
        )
    intake.progress("checking", len(body), len(body))
    _system_repeats(read, places, file, at)
    if problems:
        unresolved = [
            lookups.unresolved(places.index, spelling, level, row)
            for (spelling, level), row in unknown_places.items()
            if level in (1, 2)
        ]
        raise ImportRejected(problems, unresolved=unresolved, mapping=mapping)
    return read, mapping, at


def _place(
    number: int,
    text: Any,
    places: _Places,
    problem: Any,
    unknown: dict[tuple[str, int | None], int],
) -> tuple[AdminUnit | None, Site | None, str]:
    """The finest unit and the site a row names, checking that its columns agree."""
    site: Site | None = None
    named: list[tuple[str, AdminUnit]] = []
    within: AdminUnit | None = None
    for name, level in (
        ("governorate_code", 1),
        ("governorate", 1),
        ("district_code", 2),
        ("district", 2),
        ("subdistrict_code", 3),
        ("subdistrict", 3),
        ("pcode", None),
    ):
        spelling = text(name)
        if not spelling:
            continue
        by_code = name.endswith("code")
        unit = places.unit(spelling, level=level, within=None if by_code else within)
        if unit is None:
            unknown.setdefault((spelling, level), number)
            problem(
                number,
                name,
                "unknown_place",
                gettext("%(value)r names no known place here") % {"value": spelling},
            )
            return None, None, name
        named.append((name, unit))
        if within is None or places.inside(unit, within):
            within = unit
    code = text("site_code")
    if code:
        site = places.sites_by_code.get(code.upper())
        if site is None:
            problem(
                number,
                "site_code",
                "unknown_site",
                gettext("%(value)r is not the code of a known site") % {"value": code},
            )
            return None, None, "site_code"
    elif text("site"):
        candidates = places.sites_by_name.get(lookups.name_key(text("site")), [])
        if within is not None:
            candidates = [
                s for s in candidates if places.inside(places.units[s.admin_unit_id], within)
            ]
        if len(candidates) == 1:
            site = candidates[0]
    if site is not None:
        named.append(("site_code" if code else "site", places.units[site.admin_unit_id]))
    if not named:
        problem(
            number,
            "governorate",
            "no_place",
            gettext("no governorate, district, subdistrict, p-code or site"),
        )
        return None, None, "governorate"
    finest_name, finest = max(named, key=lambda pair: pair[1].level)
    if finest.level < 1:
        problem(
            number,
            finest_name,
            "no_place",
            gettext("the whole country: name a governorate, district or subdistrict"),
        )
        return None, None, finest_name
    for name, unit in named:
        if not places.inside(finest, unit):
            problem(
                number,
                name,
                "place_mismatch",
                gettext("%(place)s does not lie in %(unit)s")
                % {"place": finest.name_en, "unit": unit.name_en},
            )
            return None, None, name
    return finest, site, finest_name


def _figures(number: int, text: Any, problem: Any) -> tuple[int | None, dict[str, int]]:
    cells: dict[str, int] = {}
    broken = False
    for name, cell in CELL_FIELDS.items():
        if not text(name):
            continue
        count = count_of(text(name))
        if count is None:
            broken = True
            problem(
                number,
                name,
                "non_integer",
                gettext("%(value)r is not a whole number") % {"value": text(name)},
            )
            continue
        cells[cell] = count
    value: int | None = None
    if text("value"):
        value = count_of(text("value"))
        if value is None:
            problem(
                number,
                "value",
                "non_integer",
                gettext("%(value)r is not a whole number") % {"value": text("value")},
            )
            return None, cells
    if broken:
        return value, cells
    if value is None:
        if not cells:
            problem(number, "value", "no_figure", gettext("no figure reached and no breakdown"))
            return None, cells
        value = sum(cells.values())
    return value, cells


def _system_repeats(read: _Read, places: _Places, file: str, at: dict[str, str]) -> None:
    """Refuse the rows that repeat a figure the system filled for the organisation and month:
    the same indicator in the same place, or a place inside the other's."""
    keys = {(r.organisation_id, r.month) for r in read.rows}
    if not keys:
        return
    auto: dict[tuple[Any, date, str], list[int]] = {}
    organisations = {k[0] for k in keys}
    months = {k[1] for k in keys}
    for organisation_id, month, indicator, unit_id in ReportRow.objects.filter(
        source=RowSource.AUTO,
        report__organisation_id__in=organisations,
        report__month__in=months,
    ).values_list("report__organisation_id", "report__month", "indicator", "admin_unit_id"):
        auto.setdefault((organisation_id, month, indicator), []).append(unit_id)
    if not auto:
        return
    kept = []
    for row in read.rows:
        filled = auto.get((row.organisation_id, row.month, row.indicator), [])
        unit = places.units[row.admin_unit_id]
        clash = next(
            (
                places.units[u]
                for u in filled
                if places.inside(unit, places.units[u]) or places.inside(places.units[u], unit)
            ),
            None,
        )
        if clash is None:
            kept.append(row)
            continue
        read.problems.append(
            Problem(
                file,
                row.row,
                at["indicator"] or at["activity"],
                "reported_by_system",
                gettext(
                    "already reported by the system for %(month)s in %(place)s (from its "
                    "distributions, referrals or consultations): leave this row out"
                )
                % {"month": row.month.isoformat()[:7], "place": clash.name_en},
            )
        )
    read.rows = kept


def _import(intake: Intake, *, dry_run: bool) -> Outcome:
    organisation: Organisation = intake.target
    with collector_paused():
        read, mapping, at = _read(intake)
    if not read.rows:
        raise ImportRejected(
            [Problem(intake.file, None, "", "empty", gettext("no row to import"))],
            mapping=mapping,
        )
    intake.progress("writing", 0, len(read.rows))
    try:
        written = services.rows_import(actor=intake.actor, rows=read.rows, dry_run=dry_run)
    except (ValidationError, PermissionDenied) as refused:
        words = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
        raise ImportRejected(
            [Problem(intake.file, None, "", "import_refused", words)], mapping=mapping
        ) from refused
    if written.problems:
        raise ImportRejected(
            [
                Problem(
                    intake.file,
                    found.row,
                    at.get(_FIELD_OF.get(found.column, found.column), ""),
                    _RULE_OF.get(found.code, "import_refused"),
                    str(found.message),
                )
                for found in written.problems
            ],
            mapping=mapping,
        )
    if not dry_run:
        for spelling, taught in read.partners_taught.items():
            services.partner_name_teach(actor=intake.actor, spelling=spelling, organisation=taught)
        for spelling, pcode in intake.aliases.items():
            alias_learn(
                actor=intake.actor,
                name=spelling,
                unit=AdminUnit.objects.get(pcode=pcode),
                file=intake.file,
                organisation=organisation,
            )
    reports = {(r.organisation_id, r.month) for r in read.rows}
    return Outcome(
        summary=[
            (gettext_noop("Rows"), len(read.rows)),
            (gettext_noop("Partners"), len({r.organisation_id for r in read.rows})),
            (gettext_noop("Monthly reports"), len(reports)),
            (gettext_noop("People reached (sum of the rows)"), sum(r.value for r in read.rows)),
            (gettext_noop("Planned rows left out"), read.skipped),
        ],
        mapping=mapping,
        problems=read.warnings,
    )


def _organisation(user: AnyUser, uid: str) -> Organisation:
    return lookups.access_organisation_for_4w(user, uid)


FOUR_W_SPEC = Spec(
    name=FOUR_W,
    title=gettext_lazy("Cluster 4W sheet (who does what, where, when, for whom)"),
    fields=FIELDS,
    target_for_change=_organisation,
    organisation_of=lambda organisation: organisation,
    target_url=lambda organisation: reverse("intake:upload", args=[FOUR_W, organisation.pk]),
    target_label=lambda organisation: (
        gettext("4W reports of %(organisation)s") % {"organisation": organisation}
    ),
    check=lambda intake: _import(intake, dry_run=True),
    commit=lambda intake: _import(intake, dry_run=False),
    learns_aliases=True,
)


def register_specs() -> None:
    """Register the spec and say what its problems' rules mean."""
    rule_words_add(WORDS)
    register(FOUR_W_SPEC)
