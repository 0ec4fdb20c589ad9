"""A hotline's call log on the intake pipeline (``feedback.hotline``; docs/FEEDBACK.md).

A national hotline (the Iraq Information Centre, 80069999) or an organisation's own call centre
exports its cases as a spreadsheet, one row a call: the case (ticket) id, date and time, the
caller's sex and age, governorate, district and camp, category and sub-category as its operators
name them, the description, the caller's language and phone, whom the case was referred to, its
status and the answer given. Each row becomes a feedback item of the importing organisation,
channel "hotline", through ``services.feedback_receive`` keyed by the case id: a file imported
again adds only the cases not seen before. A closed case with its answer is recorded answered,
the caller told by phone, and closed; a case referred to another organisation is referred (a
sensitive one is left to the focal points, who alone refer it).

The hotline's words are data (data/hotline.json, versioned with its source): categories and
sub-categories to our categories and topics (a sensitive sub-category makes the item
sensitive, whatever the category), statuses, sexes and languages in English and Arabic. Every
problem names the file, row, column and rule; one error refuses the whole file; a dry run writes
nothing. The file is personal data (phones): its rows go back to its uploader alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser, access_organisation_by_id
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected, Problem, Severity
from nahrain.displacement.validation import PlaceResolver
from nahrain.feedback import access, codelists, services
from nahrain.feedback.models import Feedback
from nahrain.geo.models import AdminUnit
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
from nahrain.sites.models import Site

HOTLINE = "feedback.hotline"
WORDS_FILE = Path(__file__).resolve().parent / "data" / "hotline.json"
SOURCE_PREFIX = "hotline:"  # beside form instance ids and PDM answers in one key space

FIELDS = (
    Field(
        "case_id",
        gettext_noop("Case (ticket) id"),
        (
            "Case ID",
            "Case id",
            "Case number",
            "Case No",
            "Ticket ID",
            "Ticket number",
            "Ticket",
            "Call ID",
            "رقم الحالة",
            "رقم التذكرة",
            "رقم البلاغ",
        ),
        ("#x_case+code", "#x_ticket+code"),
        required=True,
    ),
    Field(
        "received",
        gettext_noop("Date (and time) of the call"),
        (
            "Date",
            "Call date",
            "Date of call",
            "Date/Time",
            "Date time",
            "Created",
            "Created on",
            "التاريخ",
            "تاريخ الاتصال",
            "تاريخ المكالمة",
        ),
        ("#date",),
        required=True,
    ),
    Field("time", gettext_noop("Time of the call"), ("Time", "Call time", "الوقت", "وقت الاتصال")),
    Field(
        "sex",
        gettext_noop("Caller's sex"),
        ("Caller sex", "Sex", "Gender", "Caller gender", "جنس المتصل", "الجنس"),
    ),
    Field("age", gettext_noop("Caller's age"), ("Age", "Caller age", "عمر المتصل", "العمر")),
    Field(
        "governorate",
        gettext_noop("Governorate"),
        ("Governorate", "Caller governorate", "المحافظة"),
        ("#adm1+name", "#adm1+code"),
    ),
    Field(
        "district",
        gettext_noop("District"),
        ("District", "القضاء"),
        ("#adm2+name", "#adm2+code"),
    ),
    Field(
        "site",
        gettext_noop("Camp or site"),
        ("Camp", "Camp/Site", "Site", "Camp name", "المخيم", "الموقع", "اسم المخيم"),
        ("#loc+name",),
    ),
    Field(
        "category",
        gettext_noop("Category (as the hotline names it)"),
        ("Category", "Call category", "Case category", "Type", "الفئة", "التصنيف", "نوع الاتصال"),
        required=True,
    ),
    Field(
        "sub_category",
        gettext_noop("Sub-category"),
        ("Sub-category", "Sub category", "Subcategory", "الفئة الفرعية", "التصنيف الفرعي"),
    ),
    Field(
        "description",
        gettext_noop("What the caller said"),
        ("Description", "Call description", "Details", "Caller request", "الوصف", "التفاصيل"),
        required=True,
    ),
    Field(
        "language",
        gettext_noop("Caller's language"),
        ("Language", "Caller language", "لغة المتصل", "اللغة"),
    ),
    Field(
        "phone",
        gettext_noop("Caller's phone"),
        ("Phone", "Phone number", "Caller phone", "Mobile", "رقم الهاتف", "هاتف المتصل"),
    ),
    Field(
        "referred_to",
        gettext_noop("Referred to (organisation)"),
        (
            "Referred to",
            "Referral to",
            "Referred agency",
            "Agency",
            "أحيلت إلى",
            "الجهة المحال إليها",
        ),
    ),
    Field("status", gettext_noop("Status"), ("Status", "Case status", "حالة الحالة", "الحالة")),
    Field(
        "answer",
        gettext_noop("Answer given to the caller"),
        ("Answer", "Response", "Feedback provided", "Answer given", "الإجابة", "الرد"),
    ),
)


@cache
def hotline_words() -> dict[str, Any]:
    """The hotline's words (data/hotline.json): each list as {header_key(word): its entry}."""
    data = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return {
        name: {header_key(word): entry for entry in data[name] for word in entry["words"]}
        for name in ("categories", "sub_categories", "statuses", "sexes", "languages")
    }


def _age_group(text: str) -> str:
    """The age group of an age in years (or a group code as it is); ValueError otherwise."""
    if text in codelists.codes("age_groups"):
        return text
    age = float(text)
    if not 0 <= age < 120 or age != int(age):
        raise ValueError(text)
    return "0_17" if age < 18 else "18_59" if age < 60 else "60"


_DAY_FIRST = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def _moment(day: str, clock: str) -> datetime:
    """The call's moment: ISO (2026-11-03, 2026-11-03 14:25) or day first as Iraqi call
    centres write it (03/11/2026 14:25); a separate time column where the date has none.
    ValueError when it is none of these."""
    found = _DAY_FIRST.match(day)
    if found:
        d, m, y, hh, mm, ss = found.groups()
        moment = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        has_time = hh is not None
    else:
        moment = datetime.fromisoformat(day.replace("/", "-"))
        has_time = len(day) > 10
    if clock and not has_time:
        moment = datetime.combine(moment.date(), time.fromisoformat(clock.zfill(5)))
    return moment if moment.tzinfo else timezone.make_aware(moment)


@dataclass
class Call:
    row: int
    case_id: str
    received_at: datetime
    category: str
    topic: str
    description: str
    sex: str
    age_group: str
    admin_unit: AdminUnit | None
    site: Site | None
    language: str
    phone: str
    referred_to: Organisation | None
    closed: bool
    answer: str


class _Reader:
    """Reads the rows of one file into ``Call``s, gathering every problem."""

    def __init__(self, intake: Intake, columns: dict[str, Column]) -> None:
        self.file = intake.file
        self.organisation: Organisation = intake.target
        self.columns = columns
        self.problems: list[Problem] = []
        self.resolver = PlaceResolver(intake.aliases, organisation_id=self.organisation.pk)
        self.words = hotline_words()
        self.now = timezone.now()
        self.sites: dict[str, Site] = {}
        for site in Site.objects.select_related("admin_unit"):
            for name in (site.code, site.name_en, site.name_ar, site.name_ckb):
                if name:
                    self.sites.setdefault(header_key(name), site)
        self.organisations = {
            header_key(name): o
            for o in Organisation.objects.all()
            for name in (o.acronym, o.name)
            if name
        }

    def letter(self, name: str) -> str:
        column = self.columns.get(f"field:{name}")
        return column_letter(column.index) if column else ""

    def cell(self, row: list[str], name: str) -> str:
        column = self.columns.get(f"field:{name}")
        return " ".join(row[column.index].split()) if column and column.index < len(row) else ""

    def problem(
        self, number: int, name: str, rule: str, message: str, warning: bool = False
    ) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(
            Problem(self.file, number, self.letter(name), rule, message, severity=severity)
        )

    def word(self, number: int, row: list[str], name: str, kind: str, rule: str) -> Any:
        """The entry of data/hotline.json the cell names, or None (blank, or a problem)."""
        text = self.cell(row, name)
        if not text:
            return None
        found = self.words[kind].get(header_key(text))
        if found is None:
            self.problem(number, name, rule, gettext("%(text)r is not known") % {"text": text})
        return found

    def place(self, number: int, row: list[str]) -> AdminUnit | None:
        text = self.cell(row, "governorate")
        if not text:
            return None
        governorate = self.resolver.governorate(text)
        if governorate is None:
            self.problem(
                number,
                "governorate",
                "unknown_governorate",
                f"{text!r} is not a known governorate name or code" + self.resolver.hint(text, 1),
            )
            return None
        text = self.cell(row, "district")
        if not text:
            return governorate
        district = self.resolver.district(governorate, text)
        if district is None:
            self.problem(
                number,
                "district",
                "unknown_district",
                f"{text!r} is not a district of {governorate.name_en}"
                + self.resolver.hint(text, 2, governorate),
            )
        return district

    def read(self, number: int, row: list[str]) -> Call | None:
        before = len(self.problems)
        case_id = self.cell(row, "case_id")
        if not case_id:
            self.problem(number, "case_id", "no_case_id", gettext("No case id"))
        received_at = self.now
        try:
            received_at = _moment(self.cell(row, "received"), self.cell(row, "time"))
        except ValueError:
            self.problem(
                number,
                "received",
                "not_a_date",
                gettext("%(text)r is not a date (YYYY-MM-DD or DD/MM/YYYY)")
                % {"text": self.cell(row, "received")},
            )
        if received_at > self.now:
            self.problem(number, "received", "in_the_future", gettext("The call is in the future"))
        category = self.word(number, row, "category", "categories", "unknown_category")
        sub = self.word(number, row, "sub_category", "sub_categories", "unknown_sub_category")
        code = (category or {}).get("category", "")
        # A sensitive sub-category makes the item sensitive, never the other way round.
        if sub and "category" in sub and codelists.is_sensitive(sub["category"]):
            code = sub["category"]
        description = self.cell(row, "description")
        if not description:
            self.problem(number, "description", "no_description", gettext("No description"))
        sex = self.word(number, row, "sex", "sexes", "unknown_sex")
        age_group = ""
        if self.cell(row, "age"):
            try:
                age_group = _age_group(self.cell(row, "age"))
            except ValueError:
                self.problem(
                    number,
                    "age",
                    "not_an_age",
                    gettext("%(text)r is not an age in years") % {"text": self.cell(row, "age")},
                )
        admin_unit = self.place(number, row)
        site = None
        if self.cell(row, "site"):
            site = self.sites.get(header_key(self.cell(row, "site")))
            if site is None:
                # Kept without the site: the hotline's camp names are not the master list's.
                self.problem(
                    number,
                    "site",
                    "unknown_site",
                    gettext("%(text)r is not a site of the master list: kept without it")
                    % {"text": self.cell(row, "site")},
                    warning=True,
                )
        language = self.word(number, row, "language", "languages", "unknown_language")
        referred_to = None
        if self.cell(row, "referred_to"):
            referred_to = self.organisations.get(header_key(self.cell(row, "referred_to")))
            if referred_to is None:
                self.problem(
                    number,
                    "referred_to",
                    "unknown_organisation",
                    gettext("%(text)r is not an organisation known here")
                    % {"text": self.cell(row, "referred_to")},
                )
        status = self.word(number, row, "status", "statuses", "unknown_status")
        closed = bool(status and status["status"] == "closed")
        answer = self.cell(row, "answer")
        if closed and not answer:
            self.problem(number, "answer", "no_answer", gettext("A closed case needs its answer"))
        if len([p for p in self.problems[before:] if p.severity is Severity.ERROR]):
            return None
        return Call(
            row=number,
            case_id=case_id,
            received_at=received_at,
            category=code,
            topic=(sub or {}).get("topic", ""),
            description=description,
            sex=(sex or {}).get("code", ""),
            age_group=age_group,
            admin_unit=admin_unit,
            site=site,
            language=(language or {}).get("code", ""),
            phone=self.cell(row, "phone"),
            referred_to=referred_to if referred_to != self.organisation else None,
            closed=closed,
            answer=answer,
        )


def _write(intake: Intake, call: Call) -> Feedback:
    actor = intake.actor
    organisation: Organisation = intake.target
    contact = (
        {"phone": call.phone, "preferred_language": call.language, "callback_gender": "any"}
        if call.phone
        else None
    )
    item = services.feedback_receive(
        actor=actor,
        organisation=organisation,
        channel="hotline",
        category=call.category,
        description=call.description,
        received_at=call.received_at,
        site=call.site,
        admin_unit=call.admin_unit,
        topic=call.topic,
        anonymous=contact is None,
        contact=contact,
        person_sex=call.sex,
        person_age_group=call.age_group,
        source_key=SOURCE_PREFIX + call.case_id,
    )
    if actor is None:
        return item  # recorded only: handling is a feedback officer's
    if call.referred_to is not None and not item.sensitive:
        item = services.feedback_refer(actor=actor, feedback=item, organisation=call.referred_to)
    if call.closed and not item.sensitive and call.referred_to is None:
        item = services.feedback_resolve(actor=actor, feedback=item, answer=call.answer)
        item = services.feedback_tell(actor=actor, feedback=item, how="phone_call")
        item = services.feedback_close(actor=actor, feedback=item)
    return item


def _import(intake: Intake, *, dry_run: bool) -> Outcome:
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
    reader = _Reader(intake, targets)
    body = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]
    calls: list[Call] = []
    first_row: dict[str, int] = {}
    for done, (number, cells) in enumerate(body, start=1):
        intake.progress("checking", done, len(body))
        if not any(cell.strip() for cell in cells):
            continue
        call = reader.read(number, cells)
        case_id = reader.cell(cells, "case_id")
        if case_id and case_id in first_row:
            reader.problem(
                number,
                "case_id",
                "case_twice",
                gettext("%(case)r is the case of row %(row)s too")
                % {"case": case_id, "row": first_row[case_id]},
            )
            continue
        first_row.setdefault(case_id, number)
        if call is not None:
            calls.append(call)
    problems = sorted(reader.problems, key=lambda p: (p.row or 0, p.column, p.rule))
    if any(p.severity is Severity.ERROR for p in problems):
        raise ImportRejected(problems, mapping=mapping)
    known = set(
        Feedback.objects.filter(
            organisation=organisation,
            source_key__in=[SOURCE_PREFIX + c.case_id for c in calls],
        ).values_list("source_key", flat=True)
    )
    new = [c for c in calls if SOURCE_PREFIX + c.case_id not in known]
    if not dry_run:
        try:
            with transaction.atomic():
                for done, call in enumerate(new, start=1):
                    intake.progress("writing", done, len(new))
                    _write(intake, call)
        except ValidationError as refused:
            raise ImportRejected(
                [Problem(file, None, "", "feedback_refused", " ".join(refused.messages))],
                mapping=mapping,
            ) from refused
    sensitive = sum(codelists.is_sensitive(c.category) for c in new)
    return Outcome(
        summary=[
            (gettext_noop("Calls in the file"), len(calls)),
            (gettext_noop("New feedback"), len(new)),
            (gettext_noop("Already imported"), len(calls) - len(new)),
            (gettext_noop("Sent to the focal points (sensitive)"), sensitive),
            (gettext_noop("Closed with the answer given"), sum(c.closed for c in new)),
        ],
        mapping=mapping,
        problems=problems,
    )


def _organisation(user: AnyUser, uid: str) -> Organisation:
    """An organisation whose feedback the user records: the same 404 otherwise."""
    organisation = access_organisation_by_id(user, uid)
    if not access.records_feedback(user, organisation):
        raise Http404
    return organisation


HOTLINE_SPEC = Spec(
    name=HOTLINE,
    title=gettext_lazy("Hotline call log (cases by ticket id)"),
    fields=FIELDS,
    target_for_change=_organisation,
    organisation_of=lambda organisation: organisation,
    target_url=lambda organisation: reverse("intake:upload", args=[HOTLINE, organisation.pk]),
    target_label=lambda organisation: (
        gettext("Feedback of %(organisation)s") % {"organisation": organisation}
    ),
    check=lambda intake: _import(intake, dry_run=True),
    commit=lambda intake: _import(intake, dry_run=False),
    learns_aliases=False,
    personal=True,
)


def register_specs() -> None:
    register(HOTLINE_SPEC)
