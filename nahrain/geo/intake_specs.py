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
from nahrain.geo import services
from nahrain.geo.models import LEARNT, AdminUnit, Alias
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


class _DryRun(Exception):
    """Undoes a checked file's writes: the dry run does everything but keep them."""


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
    learnt = Alias.objects.filter(source=LEARNT, organisation=organisation)
    rows = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]

    def cell(row: list[str], name: str) -> str:
        column = targets.get(f"field:{name}")
        return row[column.index].strip() if column and column.index < len(row) else ""

    letter = {name: column_letter(c.index) for name, c in ((t[6:], c) for t, c in targets.items())}
    skipped = new = 0
    audit = None
    try:
        with transaction.atomic():
            before = learnt.count()
            for done, (number, row) in enumerate(rows, start=1):
                intake.progress("writing", done, len(rows))
                name, pcode = cell(row, "name"), cell(row, "pcode").upper()
                if cell(row, "kind") not in ("", "name"):
                    skipped += 1
                    continue
                if not name:
                    problems.append(Problem(file, number, letter["name"], "required", "no name"))
                    continue
                unit = units.get(pcode)
                if unit is None:
                    problems.append(
                        Problem(
                            file, number, letter["pcode"], "unknown_pcode", f"no unit {pcode!r}"
                        )
                    )
                    continue
                try:
                    services.alias_learn(
                        actor=intake.actor,
                        name=name,
                        unit=unit,
                        file=file,
                        organisation=organisation,
                    )
                except services.AliasRefused as refused:
                    problems.append(
                        Problem(file, number, letter["name"], "alias_clash", str(refused))
                    )
            if any(p.severity is Severity.ERROR for p in problems):
                raise ImportRejected(problems, mapping=mapping)
            new = learnt.count() - before
            if not dry_run:
                audit = audit_record(
                    actor=intake.actor,
                    action="alias.import",
                    object_type="organisation",
                    object_id=organisation.pk,
                    organisation=organisation,
                    detail={"file": file[:200], "rows": len(rows), "new": new},
                )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
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
