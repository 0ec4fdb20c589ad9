"""The health field forms, as ``collect`` form handlers: the EWARN weekly report (a facility's
week, the cases and deaths of every disease under five and five and over, each disease's case
definition as its hint), the immediate alert and the consultation report (a facility's week or
month, counted by population group, service, sex and age group). Their facility list is the
organisation's own: the facilities it runs or supports. Accepting a weekly report sends it
through ``ewarn_report_submit``, a consultation report through ``consultation_report_submit``
(source "form"): accepted again, or a second report of the same period, it replaces the period,
never adds to it. Each is sent as of when the server received it, not when it was accepted: a
report that reached the server on time is on time, and an alert's clock starts at its arrival.
An immediate alert is made under an id drawn from the submission's instance
id, so that a form sent twice (or accepted twice) counts once."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from nahrain.collect.handlers import FormHandler, NotAcceptable, register
from nahrain.core.problems import Problem
from nahrain.health import access, codelists, services, weeks
from nahrain.health.models import Facility
from nahrain.health.notify import facility_names
from nahrain.health.services import Cell, DiseaseCount

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

XLSFORMS = Path(__file__).resolve().parent / "xlsforms"
# The namespace of the ids of immediate reports sent from a form: the same instance, the same id.
IMMEDIATE_IDS = uuid.UUID("5b0c2f1e-61a4-4d0e-9d54-2f4b7c1c9e35")
COUNTS = (
    ("cases_under5", "cases_u5"),
    ("cases_over5", "cases_o5"),
    ("deaths_under5", "deaths_u5"),
    ("deaths_over5", "deaths_o5"),
)


def _facilities(organisation_id: Any) -> QuerySet[Facility]:
    return Facility.objects.filter(
        Q(organisation_id=organisation_id) | Q(supporters=organisation_id), active=True
    ).distinct()


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The organisation's active facilities. A choice's ``name`` is the facility code; codes are
    unique within an organisation only, so a code the list holds twice (its own facility and
    one it supports) is given as each facility's uid instead, its label naming the owner."""
    facilities = list(_facilities(organisation_id).select_related("organisation").order_by("code"))
    shared = {f.code for f in facilities if sum(g.code == f.code for g in facilities) > 1}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    for facility in facilities:
        names = facility_names(facility)
        if facility.code in shared:
            label = f"{names} ({facility.code}, {facility.organisation.acronym})"
            writer.writerow([str(facility.uid), label])
        else:
            writer.writerow([facility.code, f"{names} ({facility.code})"])
    return {"facilities.csv": out.getvalue().encode("utf-8")}


def _media(organisation_id: Any) -> dict[str, bytes]:
    return media_files(organisation_id=organisation_id)


def _facility(actor: User, submission: Submission, file: str) -> Facility:
    """The facility the form names, among the organisation's that the reviewer reports for: by
    its uid, or by its code when only one of them has it."""
    chosen = str(submission.data.get("facility", "") or "")
    reporting = _facilities(submission.organisation_id).filter(
        pk__in=access.facilities_reporting(actor).values("pk")
    )
    try:
        by_uid = Q(uid=uuid.UUID(chosen))
    except ValueError:
        by_uid = Q(pk__in=[])
    found = list(reporting.filter(by_uid | Q(code=chosen))[:2])
    if len(found) == 1:
        return found[0]
    if found:
        # A form published before the code was shared names it alone: guessing would write
        # one organisation's report into another's facility.
        problem = Problem(
            file,
            None,
            "facility",
            "ambiguous_facility",
            f"{chosen!r} is the code of several facilities you report for: "
            "the form must be sent again with the facility chosen from the new list",
        )
    else:
        problem = Problem(
            file,
            None,
            "facility",
            "unknown_facility",
            f"{chosen!r} is not a facility you report for",
        )
    raise NotAcceptable([problem])


def _whole(values: dict[str, Any], name: str, file: str, problems: list[Problem]) -> int:
    text = str(values.get(name, "") or "").strip()
    try:
        return int(text) if text else 0
    except ValueError:
        problems.append(Problem(file, None, name, "non_integer", f"{text!r} is not a number"))
        return 0


def _refused(file: str, invalid: ValidationError) -> NotAcceptable:
    return NotAcceptable([Problem(file, None, "", "refused", " ".join(invalid.messages))])


def _accept_weekly(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Send the facility's week: every disease's counts, zero where the form says none."""
    facility = _facility(actor, submission, file)
    values = submission.data
    problems: list[Problem] = []
    year = _whole(values, "year", file, problems)
    week = _whole(values, "week", file, problems)
    counts = [
        DiseaseCount(
            disease,
            **{
                field: _whole(values, f"{disease}_{suffix}", file, problems)
                for field, suffix in COUNTS
            },
        )
        for disease in codelists.codes("diseases")
    ]
    if problems:
        raise NotAcceptable(problems)
    try:
        report = services.ewarn_report_submit(
            actor=actor,
            facility=facility,
            year=year,
            week=week,
            counts=counts,
            source="form",
            submitted_at=submission.received_at,
        )
    except ValidationError as invalid:
        raise _refused(file, invalid) from invalid
    return {"ewarn_report": str(report.uid)}


def _accept_immediate(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Report the case at once, under an id drawn from the instance id."""
    facility = _facility(actor, submission, file)
    values = submission.data
    problems: list[Problem] = []
    cases = _whole(values, "cases", file, problems)
    deaths = _whole(values, "deaths", file, problems)
    try:
        seen_on = date.fromisoformat(str(values.get("seen_on", "")))
    except ValueError:
        problems.append(Problem(file, None, "seen_on", "invalid", "not a date"))
    if problems:
        raise NotAcceptable(problems)
    try:
        immediate = services.immediate_report_submit(
            actor=actor,
            facility=facility,
            disease=str(values.get("disease", "") or ""),
            seen_on=seen_on,
            cases=cases,
            deaths=deaths,
            note=str(values.get("note", "") or "")[:2000],
            submitted_at=submission.received_at,
            uid=uuid.uuid5(IMMEDIATE_IDS, submission.instance_id),
        )
    except ValidationError as invalid:
        raise _refused(file, invalid) from invalid
    return {"immediate_report": str(immediate.uid)}


def _consultation_start(values: dict[str, Any], file: str) -> tuple[str, date]:
    """The period and its first day: a week's from its epidemiological year and week (in the
    configured convention, which the phone does not know), a month's from the month asked."""
    period = str(values.get("period", "") or "")
    problems: list[Problem] = []
    if period == "week":
        year = _whole(values, "year", file, problems)
        week = _whole(values, "week", file, problems)
        if not problems:
            try:
                return period, weeks.week_start(year, week)
            except ValueError:
                problems.append(
                    Problem(file, None, "week", "invalid", f"{year} has no week {week}")
                )
    elif period == "month":
        try:
            return period, date.fromisoformat(str(values.get("month", ""))).replace(day=1)
        except ValueError:
            problems.append(Problem(file, None, "month", "invalid", "not a date"))
    else:
        problems.append(Problem(file, None, "period", "invalid", f"{period!r} is not a period"))
    raise NotAcceptable(problems)


def consultation_field(group: str, service: str, sex: str, age: str) -> str:
    """The form's box of one cell (services asked of fewer people have fewer boxes)."""
    return f"{group}_{service}_{sex}_{age}"


def _accept_consultations(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Send the facility's period: every box filled, blank counting 0, and the groups the form
    was told the facility did not see counting 0 whatever their boxes hold."""
    facility = _facility(actor, submission, file)
    values = submission.data
    period, start = _consultation_start(values, file)
    seen = set(str(values.get("groups", "") or "").split())
    problems: list[Problem] = []
    cells = [
        Cell(service, sex, age, group, count)
        for group in codelists.codes("population_groups")
        if group in seen
        for service in codelists.codes("consultation_services")
        for sex in codelists.codes("sexes")
        for age in codelists.codes("age_groups")
        if (count := _whole(values, consultation_field(group, service, sex, age), file, problems))
    ]
    if problems:
        raise NotAcceptable(problems)
    try:
        report = services.consultation_report_submit(
            actor=actor,
            facility=facility,
            period=period,
            start=start,
            cells=cells,
            source="form",
            submitted_at=submission.received_at,
        )
    except ValidationError as invalid:
        raise _refused(file, invalid) from invalid
    return {"consultation_report": str(report.uid)}


WEEKLY = FormHandler(
    form_id="health_ewarn_weekly",
    xlsform=XLSFORMS / "health_ewarn_weekly.md",
    media=_media,
    accept=_accept_weekly,
)
IMMEDIATE = FormHandler(
    form_id="health_immediate_alert",
    xlsform=XLSFORMS / "health_immediate_alert.md",
    media=_media,
    accept=_accept_immediate,
)

CONSULTATIONS = FormHandler(
    form_id="health_consultations",
    xlsform=XLSFORMS / "health_consultations.md",
    media=_media,
    accept=_accept_consultations,
)


def register_handlers() -> None:
    register(WEEKLY)
    register(IMMEDIATE)
    register(CONSULTATIONS)
