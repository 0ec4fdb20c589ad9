"""Spellings of admin units as an import spec: a list of aliases an organisation has collected
(or another deployment exported with ``nahrain geo alias export``) taught in one go.

The smallest importer on the intake pipeline, and the worked example of docs/ARCHITECTURE.md:
two fields, a gate, and one function that checks and writes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser, access_organisation_by_id, user_roles
from nahrain.core.models import Organisation, Role
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.core.services import audit_record
from nahrain.geo import selectors, services
from nahrain.geo.models import AdminUnit, Alias, AliasKind, alias_key
from nahrain.intake.columns import (
    Field,
    apply_column_map,
    check_mapping,
    column_letter,
    is_hxl_row,
    mapping_summary,
    match_headers,
)
from nahrain.intake.readers import read_table
from nahrain.intake.spec import Intake, Outcome, Spec, register

ALIASES = "geo.aliases"
FIELDS = (
    Field(
        "name",
        gettext_noop("Spelling"),
        ("Spelling", "Alias", "Name as written", "التهجئة", "الاسم كما كتب"),
        ("#adm1+name", "#adm2+name", "#adm3+name"),
        required=True,
    ),
    Field(
        "pcode",
        gettext_noop("P-code of the unit it means"),
        ("P-code", "Pcode", "Unit p-code", "Admin p-code", "الرمز"),
        ("#adm1+code", "#adm2+code", "#adm3+code"),
        required=True,
    ),
    # ``nahrain geo alias export`` lists p-code aliases too; only names are taught.
    Field("kind", gettext_noop("Kind (name or code)"), ("Alias kind",)),
)


def _organisation(user: AnyUser, uid: str) -> Organisation:
    """Spellings are taught for an organisation's files by its information managers."""
    organisation = access_organisation_by_id(user, uid)
    if Role.INFORMATION_MANAGER not in user_roles(user, organisation):
        raise Http404
    return organisation


def _aliases(intake: Intake, *, dry_run: bool) -> Outcome:
    organisation: Organisation = intake.target
    file = intake.file
    table = read_table(intake.data, file=file)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, FIELDS, hxl=hxl)
    problems = apply_column_map(
        columns, intake.column_map, file=file, row=header_row, fields=FIELDS
    )
    targets, header_problems = check_mapping(columns, FIELDS, file=file, row=header_row)
    problems += header_problems
    mapping = mapping_summary(columns)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    units = {u.pcode: u for u in AdminUnit.objects.defer("geometry")}
    rows = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]

    def cell(row: list[str], name: str) -> str:
        column = targets.get(f"field:{name}")
        return row[column.index].strip() if column and column.index < len(row) else ""

    letter = {name: column_letter(c.index) for name, c in ((t[6:], c) for t, c in targets.items())}
    skipped = 0
    # Checked without writing (a dry run writes nothing), each spelling against the aliases
    # already read for the organisation's files and against the file's earlier rows.
    taught: list[tuple[str, AdminUnit]] = []
    in_file: dict[tuple[str, int, int | None], tuple[AdminUnit, int]] = {}
    new = 0
    for done, (number, row) in enumerate(rows, start=1):
        intake.progress("checking", done, len(rows))
        name, pcode = " ".join(cell(row, "name").split()), cell(row, "pcode").upper()
        if cell(row, "kind") not in ("", "name"):
            skipped += 1
            continue
        key = alias_key(name, AliasKind.NAME)
        if not key:
            problems.append(Problem(file, number, letter["name"], "required", "no name"))
            continue
        unit = units.get(pcode)
        if unit is None:
            problems.append(
                Problem(file, number, letter["pcode"], "unknown_pcode", f"no unit {pcode!r}")
            )
            continue
        place = (key, unit.level, unit.parent_id if unit.level >= 2 else None)
        earlier = in_file.get(place)
        other = selectors.alias_clash(key=key, unit=unit, organisation=organisation)
        if other is None and earlier is not None and earlier[0] != unit:
            other_unit, other_row = earlier
            problems.append(
                Problem(
                    file,
                    number,
                    letter["name"],
                    "alias_clash",
                    f"{name!r} is {other_unit.pcode} in row {other_row}, {unit.pcode} here",
                )
            )
            continue
        if other is not None:
            problems.append(
                Problem(
                    file,
                    number,
                    letter["name"],
                    "alias_clash",
                    f"{name!r} already names {other.unit.name_en} ({other.unit.pcode})",
                )
            )
            continue
        if earlier is None:
            in_file[place] = (unit, number)
            known = Alias.objects.filter(
                selectors.aliases_read_by(organisation), key=key, unit=unit
            ).exists()
            new += not known
            taught.append((name, unit))
    if any(p.severity is Severity.ERROR for p in problems):
        raise ImportRejected(problems, mapping=mapping)
    audit = None
    if not dry_run:
        with transaction.atomic():
            for done, (name, unit) in enumerate(taught, start=1):
                intake.progress("writing", done, len(taught))
                try:
                    services.alias_learn(
                        actor=intake.actor,
                        name=name,
                        unit=unit,
                        file=file,
                        organisation=organisation,
                    )
                except services.AliasRefused as refused:  # taught by someone meanwhile
                    raise ImportRejected(
                        [Problem(file, None, letter["name"], "alias_clash", str(refused))],
                        mapping=mapping,
                    ) from None
            audit = audit_record(
                actor=intake.actor,
                action="alias.import",
                object_type="organisation",
                object_id=organisation.pk,
                organisation=organisation,
                detail={"file": file[:200], "rows": len(rows), "new": new},
            )
    return Outcome(
        summary=[
            (gettext_noop("Spellings in the file"), len(rows) - skipped),
            (gettext_noop("New aliases"), new),
            (gettext_noop("Rows of p-codes skipped"), skipped),
        ],
        mapping=mapping,
        problems=problems,
        audit=audit,
    )


def _label(organisation: Any) -> str:
    return gettext("Spellings taught for %(organisation)s") % {"organisation": organisation}


ALIASES_SPEC = Spec(
    name=ALIASES,
    title=gettext_lazy("Spellings of admin units (aliases)"),
    fields=FIELDS,
    target_for_change=_organisation,
    organisation_of=lambda organisation: organisation,
    target_url=lambda organisation: reverse("geo:browser"),
    target_label=_label,
    check=lambda intake: _aliases(intake, dry_run=True),
    commit=lambda intake: _aliases(intake, dry_run=False),
)


def register_specs() -> None:
    register(ALIASES_SPEC)
