"""A site master list as an import spec on the intake pipeline (docs/SITES.md, "Importing a
site master list").

A CCCM list names each site by its code, with its names, type, place, managing agency, status,
planned capacity and one or more population figures. The file goes into an organisation: its
site managers and information managers import it. Importing a list again updates the sites it
names (matched by organisation and code), adds a status step only where the status changed, and
records each population figure once per date and source: nothing is ever duplicated.

Population columns: ``population_individuals`` and ``population_households`` are figures at the
date the row (``population_date``) or the upload's options give. A list with several dated
columns (the round-109 in-camp frame has ``Population (July CCCM)`` and ``Population (Jan
CCCM)``) is mapped column by column to ``households@YYYY-MM-DD`` or ``individuals@YYYY-MM-DD``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.core.services import audit_record
from nahrain.displacement.validation import PlaceResolver
from nahrain.geo import selectors as geo_selectors
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit, Location, LocationKind
from nahrain.geo.normalize import name_key
from nahrain.intake.columns import (
    Column,
    Field,
    apply_column_map,
    check_mapping,
    column_letter,
    header_key,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
from nahrain.intake.readers import read_table
from nahrain.intake.spec import Intake, Outcome, Spec, register
from nahrain.sites import access, services
from nahrain.sites.forms import SiteImportOptionsForm
from nahrain.sites.models import PopulationSource, Site, SitePopulation, SiteStatus, SiteType

MASTER_LIST = "sites.master_list"

FIELDS = (
    Field(
        "code",
        gettext_noop("Site code"),
        ("Site code", "Site ID", "Camp code", "Camp ID", "CCCM site ID", "SSID", "رمز الموقع"),
        ("#loc+code-dtm",),
        required=True,
    ),
    Field(
        "name_en",
        gettext_noop("Site name (English)"),
        ("Site name", "Camp name", "Camp long name", "Site name (English)", "Name", "اسم الموقع"),
        ("#loc+name",),
        required=True,
    ),
    Field(
        "name_ar",
        gettext_noop("Site name (Arabic)"),
        ("Site name (Arabic)", "Arabic name", "Name (Arabic)", "الاسم بالعربي", "الاسم بالعربية"),
        ("#loc+name+i_ar",),
    ),
    Field(
        "name_ckb",
        gettext_noop("Site name (Kurdish)"),
        ("Site name (Kurdish)", "Kurdish name", "Name (Kurdish)", "الاسم بالكردية"),
        ("#loc+name+i_ckb",),
    ),
    Field(
        "type",
        gettext_noop("Site type"),
        ("Site type", "Type", "Camp type", "نوع الموقع"),
        ("#loc+type",),
    ),
    Field(
        "governorate",
        gettext_noop("Governorate"),
        ("Governorate", "Gov", "Governorate name", "المحافظة"),
        ("#adm1+name", "#adm1+code"),
        required=True,
    ),
    Field(
        "district",
        gettext_noop("District"),
        ("District", "Dist", "District name", "القضاء"),
        ("#adm2+name", "#adm2+code"),
    ),
    Field(
        "subdistrict",
        gettext_noop("Sub-district"),
        ("Sub-district", "Subdistrict", "Sub district", "الناحية"),
        ("#adm3+name", "#adm3+code"),
    ),
    Field("latitude", gettext_noop("Latitude"), ("Latitude", "Lat", "خط العرض"), ("#geo+lat",)),
    Field(
        "longitude",
        gettext_noop("Longitude"),
        ("Longitude", "Long", "Lon", "خط الطول"),
        ("#geo+lon",),
    ),
    Field(
        "managing_agency",
        gettext_noop("Camp management agency"),
        (
            "Managing agency",
            "Camp management agency",
            "CCCM agency",
            "Camp manager",
            "الجهة المديرة",
        ),
        ("#org+name",),
    ),
    Field(
        "status",
        gettext_noop("Site status"),
        ("Status", "Site status", "Camp status", "الحالة"),
        ("#status",),
    ),
    Field(
        "capacity_people",
        gettext_noop("Planned capacity (people)"),
        ("Planned capacity (people)", "Capacity (individuals)", "Capacity", "السعة"),
        ("#capacity+ind",),
    ),
    Field(
        "capacity_shelters",
        gettext_noop("Planned shelters"),
        ("Planned shelters", "Capacity (shelters)", "Shelters"),
        ("#capacity+shelters",),
    ),
    Field(
        "capacity_plots",
        gettext_noop("Planned plots"),
        ("Planned plots", "Plots"),
        ("#capacity+plots",),
    ),
    Field(
        "area_m2",
        gettext_noop("Area (m²)"),
        ("Area (m2)", "Area m2", "Site area", "Area", "المساحة"),
    ),
    Field(
        "population_individuals",
        gettext_noop("Population (individuals)"),
        ("Population (individuals)", "Individuals", "# Ind", "Ind", "Population", "عدد الأفراد"),
        ("#affected+ind", "#population+ind"),
    ),
    Field(
        "population_households",
        gettext_noop("Population (households)"),
        (
            "Population (households)",
            "Households",
            "Families",
            "# HH",
            "HH",
            "عدد العوائل",
            "عدد الأسر",
        ),
        ("#affected+hh", "#population+hh"),
    ),
    Field(
        "population_date",
        gettext_noop("Population date"),
        ("Population date", "Date of population figure", "As of", "تاريخ السكان"),
        ("#date+reported",),
    ),
    Field(
        "population_source",
        gettext_noop("Population source"),
        ("Population source", "Source of population", "مصدر السكان"),
        ("#meta+source",),
    ),
    Field(
        "place_id",
        gettext_noop("DTM place id"),
        ("DTM place id", "DTM location id", "Place ID", "Location ID", "رقم موقع DTM"),
        ("#loc+code+dtm",),
    ),
)
# A population column at a date: "households@2019-07-31", "individuals@2020-01-31".
DATED = re.compile(r"^(households|individuals)@(\d{4}-\d{2}-\d{2})$")
DATED_HELP = "households@YYYY-MM-DD, individuals@YYYY-MM-DD"
INTEGERS = ("capacity_people", "capacity_shelters", "capacity_plots", "area_m2")
# The largest count a column holds (PositiveIntegerField), and the longest texts (the model's).
MAX_COUNT = 2_147_483_647
TEXTS = ("code", "name_en", "name_ar", "name_ckb", "managing_agency")


def _choice_keys(choices: list[tuple[str, Any]], *more: tuple[str, str]) -> dict[str, str]:
    """What a cell may say for a choice (its code or its English label, folded) -> the code."""
    keys = {header_key(str(label)): value for value, label in choices}
    keys |= {header_key(value): value for value, _label in choices}
    return keys | {header_key(word): value for word, value in more}


# The words CCCM lists use beyond the cluster's own labels.
TYPES = _choice_keys(
    SiteType.choices,
    ("Camp", SiteType.CAMP),
    ("Collective center", SiteType.COLLECTIVE_CENTRE),
    ("Informal site", SiteType.INFORMAL_SETTLEMENT),
    ("Transit camp", SiteType.TRANSIT_SITE),
)
STATUSES = _choice_keys(SiteStatus.choices, ("Active", SiteStatus.OPEN))
SOURCES = _choice_keys(
    [c for c in PopulationSource.choices if c[0] != PopulationSource.MOVEMENTS],
    ("CCCM", PopulationSource.CCCM_ESTIMATE),
)


@dataclass
class SiteRow:
    """One row of the list, checked: what a site becomes."""

    row: int
    code: str
    attributes: dict[str, Any]
    admin_unit: AdminUnit
    status: str
    # (date, source) -> (individuals, households)
    figures: dict[tuple[date, str], tuple[int | None, int | None]] = field(default_factory=dict)
    location: Location | None = None


def _target_of(wanted: str) -> tuple[str, str] | None:
    return (f"dated:{wanted}", "") if DATED.match(wanted) else None


def _number(text: str) -> float:
    value = float(text.replace(",", "").replace(" ", ""))
    if not math.isfinite(value):  # "nan" and "inf" are floats to Python, not figures
        raise ValueError(text)
    return value


def _organisation(user: AnyUser, uid: str) -> Organisation:
    return access.access_organisation_for_site_import(user, uid)


class _Reader:
    """Reads the rows of one file into ``SiteRow``s, gathering every problem."""

    def __init__(self, intake: Intake, columns: dict[str, Column]) -> None:
        self.intake = intake
        self.file = intake.file
        self.organisation: Organisation = intake.target
        self.columns = columns
        self.problems: list[Problem] = []
        self.resolver = PlaceResolver(intake.aliases, organisation_id=self.organisation.pk)
        options = intake.options
        self.default_type = options.get("type") or SiteType.CAMP
        self.default_source = options.get("population_source") or PopulationSource.CCCM_ESTIMATE
        self.default_date = (
            date.fromisoformat(options["population_date"])
            if options.get("population_date")
            else None
        )
        self.unresolved_rows: dict[tuple[str, int], int] = {}

    def letter(self, name: str) -> str:
        column = self.columns.get(f"field:{name}") or self.columns.get(name)
        return column_letter(column.index) if column else ""

    def cell(self, row: list[str], name: str) -> str:
        column = self.columns.get(f"field:{name}")
        return " ".join(row[column.index].split()) if column and column.index < len(row) else ""

    def error(self, number: int, name: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.file, number, self.letter(name), rule, message))

    def integer(self, number: int, row: list[str], name: str, target: str = "") -> int | None:
        column = self.columns.get(target) if target else self.columns.get(f"field:{name}")
        text = row[column.index].strip() if column and column.index < len(row) else ""
        if not text:
            return None
        try:
            value = _number(text)
        except ValueError:
            value = -1.0
        if value < 0 or value > MAX_COUNT or value != int(value):
            where = column_letter(column.index) if column else ""
            self.problems.append(
                Problem(
                    self.file, number, where, "not_a_count", f"{text!r} is not a whole number ≥ 0"
                )
            )
            return None
        return int(value)

    def choice(
        self, number: int, row: list[str], name: str, keys: dict[str, str], default: str
    ) -> str:
        text = self.cell(row, name)
        if not text:
            return default
        found = keys.get(header_key(text))
        if found is None:
            self.error(
                number, name, f"unknown_{name}", f"{text!r} is not a known {name.replace('_', ' ')}"
            )
            return default
        return found

    def place(self, number: int, row: list[str]) -> AdminUnit | None:
        """The lowest admin unit the row names."""
        text = self.cell(row, "governorate")
        governorate = self.resolver.governorate(text)
        if governorate is None:
            self.unresolved_rows.setdefault((text, 1), number)
            rule = "required" if not text else "unknown_governorate"
            self.error(
                number,
                "governorate",
                rule,
                f"{text!r} is not a known governorate name or code" + self.resolver.hint(text, 1),
            )
            return None
        unit = governorate
        text = self.cell(row, "district")
        if text:
            district = self.resolver.district(governorate, text)
            if district is None:
                self.unresolved_rows.setdefault((text, 2), number)
                self.error(
                    number,
                    "district",
                    "unknown_district",
                    f"{text!r} is not a district of {governorate.name_en}"
                    + self.resolver.hint(text, 2, governorate),
                )
                return None
            unit = district
        text = self.cell(row, "subdistrict")
        if text:
            subdistrict = self.resolver.index.resolve(text, level=3, within=unit)
            if subdistrict is None:
                self.error(
                    number,
                    "subdistrict",
                    "unknown_subdistrict",
                    f"{text!r} is not a sub-district of {unit.name_en}",
                )
                return None
            unit = subdistrict
        return unit

    def coordinates(self, number: int, row: list[str]) -> dict[str, float]:
        found = {}
        for name, limit in (("latitude", 90), ("longitude", 180)):
            text = self.cell(row, name)
            if not text:
                continue
            try:
                value = _number(text)
            except ValueError:
                value = 1000.0
            if abs(value) > limit:
                self.error(number, name, "not_a_coordinate", f"{text!r} is not a {name}")
                continue
            found[name] = value
        return found

    def figures(
        self, number: int, row: list[str]
    ) -> dict[tuple[date, str], tuple[int | None, int | None]]:
        source = self.choice(number, row, "population_source", SOURCES, self.default_source)
        figures: dict[tuple[date, str], tuple[int | None, int | None]] = {}
        individuals = self.integer(number, row, "population_individuals")
        households = self.integer(number, row, "population_households")
        if individuals is not None or households is not None:
            text = self.cell(row, "population_date")
            on = self.default_date
            if text:
                try:
                    on = date.fromisoformat(text[:10])
                except ValueError:
                    self.error(
                        number,
                        "population_date",
                        "not_a_date",
                        f"{text!r} is not a date (YYYY-MM-DD)",
                    )
                    return figures
            if on is None:
                undated = (
                    "population_households" if households is not None else "population_individuals"
                )
                self.error(
                    number,
                    undated,
                    "no_population_date",
                    "a population figure needs its date: a population date column, or the date "
                    "given with the upload (--population-date)",
                )
            else:
                figures[(on, source)] = (individuals, households)
        for target in self.columns:
            dated = (
                DATED.match(target.removeprefix("dated:")) if target.startswith("dated:") else None
            )
            if dated is None:
                continue
            value = self.integer(number, row, "", target)
            if value is None:
                continue
            on = date.fromisoformat(dated.group(2))
            before = figures.get((on, source), (None, None))
            if dated.group(1) == "individuals":
                figures[(on, source)] = (value, before[1])
            else:
                figures[(on, source)] = (before[0], value)
        return figures

    def read(self, number: int, row: list[str]) -> SiteRow | None:
        errors_before = len(self.problems)
        code = self.cell(row, "code")
        name = self.cell(row, "name_en")
        if not code:
            self.error(number, "code", "required", "no site code")
        if not name:
            self.error(number, "name_en", "required", "no site name")
        for text in TEXTS:
            longest = getattr(Site._meta.get_field(text), "max_length", 0) or 0
            if len(self.cell(row, text)) > longest:
                self.error(number, text, "too_long", f"longer than {longest} characters")
        attributes: dict[str, Any] = {
            "name_en": name,
            "type": self.choice(number, row, "type", TYPES, self.default_type),
            **self.coordinates(number, row),
        }
        for optional in ("name_ar", "name_ckb", "managing_agency"):
            if self.cell(row, optional):
                attributes[optional] = self.cell(row, optional)
        for counted in INTEGERS:
            value = self.integer(number, row, counted)
            if value is not None:
                attributes[counted] = value
        status = self.choice(number, row, "status", STATUSES, "")
        unit = self.place(number, row)
        figures = self.figures(number, row)
        if len(self.problems) > errors_before or unit is None:
            return None
        return SiteRow(number, code, attributes, unit, status, figures)


class _Linker:
    """The DTM location each site is counted in: the one its place id names, or else the one
    location of its district with the same name (names folded as geo folds them)."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.index = geo_selectors.AdminUnitIndex()
        usable = Location.objects.filter(
            geo_selectors.location_usable_q(
                organisation_id=organisation.pk, kind=LocationKind.DTM_PLACE
            )
        ).only("pk", "external_id", "name_en", "name_ar", "admin_unit_id", "owner_id")
        self.by_id: dict[str, Location] = {}
        self.by_name: dict[tuple[int, str], list[Location]] = {}
        for location in usable:
            mine = location.owner_id == organisation.pk
            if mine or location.external_id not in self.by_id:
                self.by_id[location.external_id] = location
            district = self.district_of(location.admin_unit_id)
            if district is not None:
                for name in {name_key(location.name_en), name_key(location.name_ar)} - {""}:
                    self.by_name.setdefault((district, name), []).append(location)

    def district_of(self, unit_id: int | None) -> int | None:
        unit = self.index.units.get(unit_id) if unit_id is not None else None
        while unit is not None and unit.level > 2:
            unit = self.index.units.get(unit.parent_id) if unit.parent_id else None
        return unit.pk if unit is not None and unit.level == 2 else None

    def by_name_in(self, unit: AdminUnit, *names: str) -> Location | None:
        district = self.district_of(unit.pk)
        if district is None:
            return None
        found = {
            location.pk: location
            for name in {name_key(n) for n in names if n} - {""}
            for location in self.by_name.get((district, name), [])
        }
        return next(iter(found.values())) if len(found) == 1 else None


def _link(reader: _Reader, rows: list[tuple[SiteRow, list[str]]]) -> None:
    linker = _Linker(reader.organisation)
    for site_row, cells in rows:
        place_id = reader.cell(cells, "place_id")
        if place_id:
            site_row.location = linker.by_id.get(place_id)
            if site_row.location is None:
                reader.error(
                    site_row.row,
                    "place_id",
                    "unknown_place",
                    f"no DTM location {place_id!r} that {reader.organisation} may use",
                )
            continue
        site_row.location = linker.by_name_in(
            site_row.admin_unit,
            site_row.attributes["name_en"],
            site_row.attributes.get("name_ar", ""),
        )
        if site_row.location is None:
            reader.problems.append(
                Problem(
                    reader.file,
                    site_row.row,
                    reader.letter("name_en"),
                    "not_linked",
                    f"{site_row.code} is linked to no DTM location: give its DTM place id, or "
                    "no location of its district, or several, have its name",
                    Severity.WARNING,
                )
            )


def _changes(site: Site, site_row: SiteRow) -> dict[str, Any]:
    wanted = dict(site_row.attributes)
    if site_row.location is not None:
        wanted["location"] = site_row.location
    return {k: v for k, v in wanted.items() if getattr(site, k) != v}


def _figure_changed(
    site: Site | None, key: tuple[date, str], figure: tuple[int | None, int | None]
) -> bool:
    if site is None:
        return True
    on, source = key
    return not SitePopulation.objects.filter(
        site=site, on=on, source=source, individuals=figure[0], households=figure[1]
    ).exists()


def _write_row(intake: Intake, site_row: SiteRow, existing: dict[str, Site]) -> None:
    """Write one checked row; a rule a service still finds broken refuses the whole file."""
    try:
        _write_site(intake, site_row, existing)
    except ValidationError as error:
        raise ImportRejected(
            [Problem(intake.file, site_row.row, "", "invalid", " ".join(error.messages))]
        ) from None


def _write_site(intake: Intake, site_row: SiteRow, existing: dict[str, Site]) -> None:
    site = existing.get(site_row.code)
    unit = site_row.admin_unit
    if site is None:
        attributes = {k: v for k, v in site_row.attributes.items() if k not in ("name_en", "type")}
        site = services.site_create(
            actor=intake.actor,
            organisation=intake.target,
            code=site_row.code,
            name_en=site_row.attributes["name_en"],
            type=site_row.attributes["type"],
            admin_unit=unit,
            status=site_row.status or SiteStatus.OPEN,
            location=site_row.location,
            **attributes,
        )
    else:
        changes = _changes(site, site_row)
        if changes or unit.pk != site.admin_unit_id:
            site = services.site_update(actor=intake.actor, site=site, admin_unit=unit, **changes)
        if site_row.status and site_row.status != site.status:
            # A list says what a site's status is now: the step is dated the day it is read.
            site = services.site_status_set(
                actor=intake.actor, site=site, status=site_row.status, on=date.today()
            )
    # Newest first: a newer figure becomes the base at once, so that an older one never counts,
    # even for a moment, the departures recorded after the newer one's day.
    for key, figure in sorted(site_row.figures.items(), reverse=True):
        if _figure_changed(site, key, figure):
            services.population_record(
                actor=intake.actor,
                site=site,
                on=key[0],
                source=key[1],
                individuals=figure[0],
                households=figure[1],
                note=intake.file[:200],
            )


def _import(intake: Intake, *, dry_run: bool) -> Outcome:
    organisation: Organisation = intake.target
    file = intake.file
    table = read_table(intake.data, file=file)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, FIELDS, hxl=hxl)
    problems = apply_column_map(
        columns,
        intake.column_map,
        file=file,
        row=header_row,
        fields=FIELDS,
        target_of=_target_of,
        others=DATED_HELP,
    )
    targets, header_problems = check_mapping(columns, FIELDS, file=file, row=header_row)
    problems += header_problems
    mapping = mapping_summary(columns)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    reader = _Reader(intake, targets)
    if reader.resolver.index.unknown_pcodes:
        raise ImportRejected(
            [
                Problem(file, None, "", "unknown_pcode", f"--alias names {pcode!r}: no unit has it")
                for pcode in reader.resolver.index.unknown_pcodes
            ],
            mapping=mapping,
        )
    body = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]
    read: list[tuple[SiteRow, list[str]]] = []
    first_row: dict[str, int] = {}
    for done, (number, cells) in enumerate(body, start=1):
        intake.progress("checking", done, len(body))
        if not any(cell.strip() for cell in cells):
            continue
        site_row = reader.read(number, cells)
        code = reader.cell(cells, "code")
        if code in first_row:
            reader.error(
                number,
                "code",
                "duplicate_code",
                f"{code!r} is the code of row {first_row[code]} too",
            )
            continue
        first_row.setdefault(code, number)
        if site_row is not None:
            read.append((site_row, cells))
    _link(reader, read)
    problems = sorted(reader.problems, key=lambda p: (p.row or 0, p.column, p.rule))
    if any(p.severity is Severity.ERROR for p in problems):
        unresolved = [
            replace(u, row=reader.unresolved_rows.get((u.text, u.level)))
            for u in reader.resolver.unresolved.values()
        ]
        raise ImportRejected(problems, unresolved=unresolved, mapping=mapping)
    rows = [site_row for site_row, _cells in read]
    existing = {
        s.code: s
        for s in Site.objects.filter(organisation=organisation, code__in=[r.code for r in rows])
    }
    new = sum(r.code not in existing for r in rows)
    changed = sum(
        r.code in existing
        and bool(
            _changes(existing[r.code], r)
            or r.admin_unit.pk != existing[r.code].admin_unit_id
            or (r.status and r.status != existing[r.code].status)
        )
        for r in rows
    )
    figures = sum(
        _figure_changed(existing.get(r.code), k, f) for r in rows for k, f in r.figures.items()
    )
    audit = None
    if not dry_run:
        with transaction.atomic():
            for spelling, pcode in intake.aliases.items():
                geo_services.alias_learn(
                    actor=intake.actor,
                    name=spelling,
                    unit=AdminUnit.objects.get(pcode=pcode),
                    file=file,
                    organisation=organisation,
                )
            for done, site_row in enumerate(rows, start=1):
                intake.progress("writing", done, len(rows))
                _write_row(intake, site_row, existing)
            audit = audit_record(
                actor=intake.actor,
                action="sites.import",
                object_type="organisation",
                object_id=organisation.pk,
                organisation=organisation,
                detail={"file": file[:200], "sites": len(rows), "new": new, "changed": changed},
            )
    return Outcome(
        summary=[
            (gettext_noop("Sites in the file"), len(rows)),
            (gettext_noop("New sites"), new),
            (gettext_noop("Sites changed"), changed),
            (gettext_noop("New or changed population figures"), figures),
            (
                gettext_noop("Sites linked to a DTM location"),
                sum(r.location is not None for r in rows),
            ),
        ],
        mapping=mapping,
        problems=problems,
        audit=audit,
    )


def _label(organisation: Any) -> str:
    return gettext("Sites of %(organisation)s") % {"organisation": organisation}


MASTER_LIST_SPEC = Spec(
    name=MASTER_LIST,
    title=gettext_lazy("Site master list (CCCM camps and sites)"),
    fields=FIELDS,
    target_for_change=_organisation,
    organisation_of=lambda organisation: organisation,
    target_url=lambda organisation: reverse("sites:reconciliation"),
    target_label=_label,
    check=lambda intake: _import(intake, dry_run=True),
    commit=lambda intake: _import(intake, dry_run=False),
    options_form=SiteImportOptionsForm,
    learns_aliases=True,
    dated_targets=(
        ("households", gettext_noop("Households on a date")),
        ("individuals", gettext_noop("Individuals on a date")),
    ),
)


def register_specs() -> None:
    register(MASTER_LIST_SPEC)
