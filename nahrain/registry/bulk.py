"""The set-based write of many households at once: a partner's beneficiary list through the
intake pipeline (``intake_specs``), 300,000 households and 1.5 million people in one file.

``household_register`` writes one household in some twenty statements; a list that size would
take hours. Here every row is made in Python from plain values (no query per row: registration
numbers drawn at once, vulnerabilities derived by ``services.member_vulnerabilities``, name keys
computed once per distinct chain) and written per table in one COPY on PostgreSQL, executemany
on SQLite (``displacement.bulk.copy_rows``). The site's side follows as ``household_register``
does it, but once per site and import: one arrival movement, the site's population where it
counts by registration, and the registry's rollups of the places touched. The caller holds the
transaction: all or nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from nahrain.core.models import Organisation
from nahrain.displacement.bulk import collector_paused, copy_rows
from nahrain.registry import matching, names, services
from nahrain.registry.models import (
    Consent,
    Document,
    Household,
    HouseholdEvent,
    Individual,
    MatchKey,
    Stay,
)
from nahrain.registry.rollups import places_refresh
from nahrain.registry.rules import WG_FIELDS, MemberIn, estimated_birth
from nahrain.sites import services as site_services
from nahrain.sites.models import MovementKind, MovementPlace, Site

Progress = Callable[[str, int, int], None]

HOUSEHOLD_COLUMNS = (
    "id",
    "uid",
    "organisation_id",
    "number",
    "status",
    "site_id",
    "admin_unit_id",
    "location_id",
    "address",
    "origin_id",
    "origin_place",
    "displaced_on",
    "registered_on",
    "phone",
    "phone_key",
    "size",
    "vulnerabilities",
    "vulnerabilities_recorded",
    "key",
    "created_by_id",
    "created_at",
    "updated_at",
)
INDIVIDUAL_COLUMNS = (
    "id",
    "uid",
    "household_id",
    "organisation_id",
    "first_ar",
    "father_ar",
    "grandfather_ar",
    "family_ar",
    "first_lat",
    "father_lat",
    "grandfather_lat",
    "family_lat",
    "name_written",
    "name_key",
    "family_key",
    "sex",
    "born_on",
    "birth_date",
    "relationship",
    "status",
    *(f"wg_{domain}" for domain in WG_FIELDS),
    "serious_medical",
    "pregnant_lactating",
    "separated_child",
    "created_at",
    "updated_at",
)
DOCUMENT_COLUMNS = ("individual_id", "kind", "held", "number", "number_key")
STAY_COLUMNS = ("household_id", "site_id", "admin_unit_id", "location_id", "start")
CONSENT_COLUMNS = ("uid", "household_id", "purpose", "given_on", "given_by", "recorded_by_id", "at")
EVENT_COLUMNS = ("household_id", "kind", "on", "changes", "note", "actor_id", "at")
MATCH_KEY_COLUMNS = ("individual_id", "rule", "key")


@dataclass
class HouseholdIn:
    """A household of a list, checked: its key in the file, its members and where it lives (a
    site, or an admin unit out of camp)."""

    key: str  # stored as the household's key: a list imported again registers it once
    registered_on: date
    members: list[MemberIn]
    site: Site | None = None
    admin_unit_id: int | None = None
    location_id: int | None = None
    origin_id: int | None = None
    displaced_on: date | None = None
    phone: str = ""
    vulnerabilities: list[str] = field(default_factory=list)


@dataclass
class Written:
    """What a bulk write stored."""

    households: int
    individuals: int
    documents: int
    by_site: dict[str, tuple[int, int]]  # site code -> (households, individuals)


def _organisation_value(organisation_id: Any) -> Any:
    """An organisation's id as the database holds it (SQLite: 32 hex digits)."""
    return Household._meta.get_field("organisation").get_db_prep_value(organisation_id, connection)


def random_uids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as 32 hex digits, which both databases read: drawn in
    one call to the system's random source rather than one each."""
    raw = bytearray(os.urandom(16 * count))
    for start in range(0, 16 * count, 16):
        raw[start + 6] = (raw[start + 6] & 0x0F) | 0x40  # version 4
        raw[start + 8] = (raw[start + 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = raw.hex()
    return [digits[start : start + 32] for start in range(0, 32 * count, 32)]


def _quiet(stage: str, done: int, total: int) -> None:
    """Progress nobody watches."""


def quoted(columns: Sequence[str]) -> tuple[str, ...]:
    # "on" is an SQL keyword: every column is quoted alike.
    return tuple(f'"{c}"' for c in columns)


def new_ids(model: type[Any], count: int) -> list[int]:
    """Ids for rows about to be written, so that the rows that point at them are made before
    anything is read back. PostgreSQL hands them out of the table's sequence (safe beside
    other writers); on SQLite the import holds the one write lock (``transaction_mode``
    IMMEDIATE), so the ids after the highest ever given are free."""
    table = model._meta.db_table
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        given = cursor.fetchone()
        start = max(highest, given[0] if given else 0) + 1
        return list(range(start, start + count))


class _Rows:
    """Every row of one bulk write, made from the checked households."""

    def __init__(
        self,
        organisation: Organisation,
        actor: User | None,
        households: Sequence[HouseholdIn],
        note: str,
    ) -> None:
        self.organisation = organisation
        self.actor_id = actor.pk if actor is not None else None
        self.households = households
        self.note = note[:300]
        # Values as the database stores them: SQLite keeps a time as UTC text (what Django
        # writes there); psycopg adapts the objects themselves.
        now = timezone.now()
        postgres = connection.vendor == "postgresql"
        self.now: Any = now if postgres else connection.ops.adapt_datetimefield_value(now)
        self.organisation_id = _organisation_value(organisation.pk)
        self.skeletons: dict[str, str] = {}
        self.families: dict[str, str] = {}
        self.household_rows: list[tuple[Any, ...]] = []
        self.individual_rows: list[tuple[Any, ...]] = []
        self.document_rows: list[tuple[Any, ...]] = []

    def name_key(self, member: MemberIn) -> str:
        """``names.name_key`` of the member's chain, each name's skeleton computed once: lists
        repeat names endlessly (a family name down a household, given names across a camp)."""
        parts = []
        for part in services.name_chain(member):
            found = self.skeletons.get(part)
            if found is None:
                found = self.skeletons[part] = names.skeleton(part)
            parts.append(found or "_")
        return " ".join(parts).rstrip(" _").strip()[:200]

    def family_key(self, family: str) -> str:
        """``names.family_key``, computed once per spelling like the name keys."""
        found = self.families.get(family)
        if found is None:
            found = self.families[family] = names.family_key(family)[:60]
        return found

    def build(self, household_ids: list[int], individual_ids: Iterator[int]) -> None:
        organisation_id = self.organisation_id
        taken = set(
            Household.objects.filter(organisation=self.organisation).values_list(
                "number", flat=True
            )
        )
        numbers = services.registration_numbers(self.organisation, len(self.households), taken)
        now = self.now
        uids = iter(
            random_uids(len(self.households) + sum(len(h.members) for h in self.households))
        )
        for household, household_id, number in zip(
            self.households, household_ids, numbers, strict=True
        ):
            on = household.registered_on
            derived: set[str] = set()
            for member in household.members:
                individual_id = next(individual_ids)
                born_on, birth_date = member.born_on, member.birth_date
                if born_on is None and member.age is not None:
                    born_on, birth_date = estimated_birth(member.age, on), "estimated"
                wg = [member.wg.get(domain) for domain in WG_FIELDS]
                held: dict[str, bool] = {}
                for document in member.documents:
                    held[document.kind] = document.held
                    number_text = document.number.strip() if document.held else ""
                    self.document_rows.append(
                        (
                            individual_id,
                            document.kind,
                            document.held,
                            number_text,
                            names.document_key(number_text) if number_text else "",
                        )
                    )
                derived |= services.member_vulnerabilities(
                    relationship=member.relationship,
                    sex=member.sex,
                    born_on=born_on,
                    wg=wg,
                    serious_medical=member.serious_medical,
                    pregnant_lactating=member.pregnant_lactating,
                    separated_child=member.separated_child,
                    documents=held,
                    on=on,
                )
                self.individual_rows.append(
                    (
                        individual_id,
                        next(uids),
                        household_id,
                        organisation_id,
                        member.first_ar.strip(),
                        member.father_ar.strip(),
                        member.grandfather_ar.strip(),
                        member.family_ar.strip(),
                        member.first_lat.strip(),
                        member.father_lat.strip(),
                        member.grandfather_lat.strip(),
                        member.family_lat.strip(),
                        services.name_written(member),
                        self.name_key(member),
                        self.family_key(member.family_ar or member.family_lat),
                        member.sex,
                        born_on,
                        birth_date,
                        member.relationship,
                        "active",
                        *wg,
                        member.serious_medical,
                        member.pregnant_lactating,
                        member.separated_child,
                        now,
                        now,
                    )
                )
            recorded = sorted(set(household.vulnerabilities))
            site = household.site
            self.household_rows.append(
                (
                    household_id,
                    next(uids),
                    organisation_id,
                    number,
                    "active",
                    site.pk if site is not None else None,
                    site.admin_unit_id if site is not None else household.admin_unit_id,
                    (household.location_id or site.location_id)
                    if site is not None
                    else household.location_id,
                    "",
                    household.origin_id,
                    "",
                    household.displaced_on,
                    on,
                    household.phone.strip(),
                    names.phone_key(household.phone),
                    len(household.members),
                    json.dumps(sorted(derived | set(recorded))),
                    json.dumps(recorded),
                    household.key,
                    self.actor_id,
                    now,
                    now,
                )
            )

    def stays(self) -> Iterator[tuple[Any, ...]]:
        for row in self.household_rows:
            yield (row[0], row[5], row[6], row[7], row[12])

    def consents(self) -> Iterator[tuple[Any, ...]]:
        uids = random_uids(len(self.household_rows))
        for row, uid in zip(self.household_rows, uids, strict=True):
            yield (uid, row[0], "registration", row[12], "head", self.actor_id, self.now)

    def match_keys(self) -> list[tuple[int, int, str]]:
        """The duplicate check's blocking keys of the members (``matching.keys_refresh`` reads
        the same values from the tables), from the rows made: no query."""
        by_id = {row[0]: row for row in self.household_rows}
        documents: dict[int, str] = {}
        for individual_id, _kind, held, number, _ in sorted(self.document_rows, key=lambda d: d[1]):
            if held and number:
                documents.setdefault(individual_id, number)

        def matcher_rows() -> Iterator[dict[str, str]]:
            for row in self.individual_rows:
                household = by_id[row[2]]
                values = {"pk": row[0], "organisation_id": row[3]}
                values.update(zip(_CHAIN, row[4:12], strict=True))
                values.update(
                    name_written=row[12],
                    sex=row[15],
                    born_on=row[16],
                    household__number=household[3],
                    household__phone=household[13],
                )
                # The blocking keys read neither governorate.
                yield matching.matcher_row(values, documents.get(row[0], ""), origin="", current="")

        return matching.key_rows(matcher_rows())

    def events(self) -> Iterator[tuple[Any, ...]]:
        for row in self.household_rows:
            changes = json.dumps({"size": [None, row[15]]})
            yield (row[0], "registration", row[12], changes, self.note, self.actor_id, self.now)


_CHAIN = tuple(
    f"{part}_{script}"
    for script in ("ar", "lat")
    for part in ("first", "father", "grandfather", "family")
)

Table = tuple[str, type[Any], tuple[str, ...], list[tuple[Any, ...]]]


def tables_prepared(
    *,
    actor: User | None,
    organisation: Organisation,
    households: Sequence[HouseholdIn],
    note: str = "",
) -> list[Table]:
    """Every row the households make, table by table, ready to copy: (stage, model, columns,
    rows). Ids are taken from the tables (``new_ids``) for rows that point at one another."""
    members = sum(len(h.members) for h in households)
    household_ids = new_ids(Household, len(households))
    individual_ids = new_ids(Individual, members)
    rows = _Rows(organisation, actor, households, note)
    rows.build(household_ids, iter(individual_ids))
    return [
        ("households", Household, HOUSEHOLD_COLUMNS, rows.household_rows),
        ("members", Individual, INDIVIDUAL_COLUMNS, rows.individual_rows),
        ("documents", Document, DOCUMENT_COLUMNS, rows.document_rows),
        ("stays", Stay, STAY_COLUMNS, list(rows.stays())),
        ("consents", Consent, CONSENT_COLUMNS, list(rows.consents())),
        ("history", HouseholdEvent, EVENT_COLUMNS, list(rows.events())),
        ("duplicate check keys", MatchKey, MATCH_KEY_COLUMNS, rows.match_keys()),
    ]


def tables_copy(tables: Sequence[Table], progress: Progress = _quiet) -> int:
    """Write prepared tables; the rows written."""
    written = 0
    for done, (stage, model, columns, rows) in enumerate(tables):
        progress(f"writing {stage}", done, len(tables))
        written += copy_rows(model._meta.db_table, quoted(columns), rows)
    return written


def households_write(
    *,
    actor: User | None,
    organisation: Organisation,
    households: Sequence[HouseholdIn],
    batch: str,
    note: str = "",
    progress: Progress = _quiet,
) -> Written:
    """Register checked households of one list, set-based; the caller's transaction makes it
    all or nothing. ``batch`` names the import in the sites' movement keys (one arrival per site
    and import: the same list imported again counts once)."""
    with collector_paused():
        progress("numbering", 0, len(households))
        tables = tables_prepared(
            actor=actor, organisation=organisation, households=households, note=note
        )
        tables_copy(tables, progress)
        written = Written(len(households), len(tables[1][3]), len(tables[2][3]), {})
        del tables
    if connection.vendor == "postgresql":
        # The counts that follow join the rows just copied: without fresh statistics the
        # planner takes the tables for as small as they were and joins them row by row.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_household, registry_individual, registry_document")
    _sites_side(actor, organisation, households, written, batch, progress)
    return written


def _sites_side(
    actor: User | None,
    organisation: Organisation,
    households: Sequence[HouseholdIn],
    written: Written,
    batch: str,
    progress: Progress,
) -> None:
    """Each site receiving households records one arrival for the import; the sites counting by
    registration take their registered population; the places' rollups are recounted."""
    progress("sites", 0, 1)
    at: dict[int, tuple[Site, int, int, date]] = {}
    places: set[int] = set()
    for household in households:
        site = household.site
        if site is None:
            if household.admin_unit_id is not None:
                places.add(household.admin_unit_id)
            continue
        _, count, people, latest = at.get(site.pk, (site, 0, 0, household.registered_on))
        at[site.pk] = (
            site,
            count + 1,
            people + len(household.members),
            max(latest, household.registered_on),
        )
    for site, count, people, latest in sorted(at.values(), key=lambda entry: entry[0].code):
        site_services.movement_record(
            actor=actor,
            site=site,
            kind=MovementKind.ARRIVAL,
            on=latest,
            households=count,
            individuals=people,
            place=MovementPlace.UNKNOWN,
            key=f"registry-import:{batch}:{site.code}",
        )
        written.by_site[site.code] = (count, people)
    services.sites_refresh(actor=actor, sites=[entry[0] for entry in at.values()])
    progress("figures", 0, 1)
    # The rollup's one counting rule, set-based (rollups.places_refresh), for the places touched.
    places_refresh(organisation_id=organisation.pk, site_ids=set(at), admin_unit_ids=places)
