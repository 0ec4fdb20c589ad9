"""The household registration form (with its member roster), as a ``collect`` form handler.

A registration officer's phone (ODK Collect, KoboCollect) registers a household at one of the
organisation's sites, or out of camp: consent first, where it lives, where it fled from, then
each member in the Iraqi name chain. The submission is checked by the registry's own rules
(``rules.member_problems`` and ``household_problems``), the same the registration page and the
intake pipeline use; accepting it registers the household under the submission's instance id, so
a form sent twice (or accepted twice) registers one household.

The names, the national card numbers, the household's phone and the respondent's name are
declared personal: ``collect`` blanks them in the stored XML and keeps them off the review
screen. The phone and the respondent are kept apart as the submission's informant (read back
here when accepting); the roster's names stay in the submission's values until it is accepted,
since registering needs them.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from nahrain.collect.handlers import Checked, FormHandler, NotAcceptable, register
from nahrain.collect.models import KeyInformant
from nahrain.core.models import Role
from nahrain.core.problems import Problem
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.registry import codelists, services
from nahrain.registry.problem_words import WORDS
from nahrain.registry.rules import (
    WG_FIELDS,
    DocumentIn,
    MemberIn,
    date_problems,
    household_problems,
    member_problems,
)
from nahrain.sites.fieldforms import media_files as site_media_files
from nahrain.sites.models import LIVED_IN, ShelterUnit, Site

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

FORM_ID = "household_registration"
XLSFORM = Path(__file__).resolve().parent / "xlsforms" / f"{FORM_ID}.md"
ROSTER = "member"
NAME_FIELDS = (
    "first_ar",
    "father_ar",
    "grandfather_ar",
    "family_ar",
    "first_lat",
    "father_lat",
    "grandfather_lat",
    "family_lat",
)
# Where collect keeps each personal field: the respondent and the phone as the submission's
# informant; the roster's names and card numbers under "name" too, which only blanks them in the
# stored XML and hides them from the review screen (the respondent comes last in the form, so the
# informant's name is the respondent's).
PERSONAL = {
    **dict.fromkeys(NAME_FIELDS, "name"),
    "national_card_number": "name",
    "respondent": "name",
    "phone": "phone",
}


# ---------------------------------------------------------------------------- media


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _districts_csv() -> bytes:
    """Districts with their governorate's p-code, which the form filters them on."""
    districts = AdminUnit.objects.filter(level=2).select_related("parent").order_by("name_en")
    rows = [["name", "label", "governorate"]]
    for district in districts.only("pcode", "name_en", "name_ar", "name_ckb", "parent__pcode"):
        names = dict.fromkeys(
            n for n in (district.name_en, district.name_ar, district.name_ckb) if n
        )
        rows.append(
            [district.pcode, " / ".join(names), district.parent.pcode if district.parent else ""]
        )
    return _csv(rows)


def _media(organisation_id: Any) -> dict[str, bytes]:
    """The organisation's own sites (by code) and the governorates, as the CCCM forms load
    them, and the districts."""
    return {
        **site_media_files(organisation_id=organisation_id),
        "districts.csv": _districts_csv(),
    }


def _names(organisation_id: Any, codes: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Site codes and p-codes as the reviewer reads them, in their language."""
    sites = Site.objects.filter(
        organisation_id=organisation_id, code__in=codes.get("sites.csv", set())
    )
    pcodes = codes.get("governorates.csv", set()) | codes.get("districts.csv", set())
    units = {u.pcode: local_name(u) for u in AdminUnit.objects.filter(pcode__in=pcodes)}
    return {
        "sites.csv": {s.code: f"{local_name(s)} ({s.code})" for s in sites},
        "governorates.csv": units,
        "districts.csv": units,
    }


# ---------------------------------------------------------------------------- reading a submission


def _problem(
    file: str, column: str, rule: str, position: int | None = None, fallback: str = ""
) -> Problem:
    """A problem in the reader's words (the rule's words, and which member it concerns); a rule
    without words keeps the message it came with."""
    words = str(WORDS.get(rule, fallback or rule))
    if position is not None:
        words = _("Member %(position)s: %(problem)s") % {"position": position, "problem": words}
    return Problem(file, None, column, rule, words)


def _text(values: dict[str, Any], name: str) -> str:
    return str(values.get(name, "") or "").strip()


def _date(values: dict[str, Any], name: str) -> date | None:
    text = _text(values, name)
    return date.fromisoformat(text[:10]) if text else None


def _member(entry: dict[str, Any]) -> MemberIn:
    """A roster entry as the registry's rules read a member; raises ValueError for a date or a
    number that cannot be read."""
    wg = {d: int(_text(entry, f"wg_{d}")) for d in WG_FIELDS if _text(entry, f"wg_{d}")}
    held = _text(entry, "documents").split()
    documents = [
        DocumentIn(
            kind, True, _text(entry, "national_card_number") if kind == "national_card" else ""
        )
        for kind in held
    ]
    core = {e["code"] for e in codelists.codelists()["documents"]["codes"] if e.get("core")}
    if not core & set(held):
        # The form asks what a person holds; holding neither identity document is what the
        # registry records as missing (and derives the vulnerability from).
        documents.append(DocumentIn("national_card", False))
    age = _text(entry, "age")
    return MemberIn(
        sex=_text(entry, "sex"),
        relationship=_text(entry, "relationship"),
        **{name: _text(entry, name) for name in NAME_FIELDS},
        born_on=_date(entry, "born_on") if _text(entry, "dob_known") != "no" else None,
        age=int(age) if age and _text(entry, "dob_known") == "no" else None,
        wg=wg,
        serious_medical=_text(entry, "serious_medical") == "yes",
        pregnant_lactating=_text(entry, "pregnant_lactating") == "yes",
        separated_child=_text(entry, "separated_child") == "yes",
        documents=documents,
    )


class _Read:
    """A submission read for registration: its members, place and dates, with its problems."""

    def __init__(self, organisation_id: Any, values: dict[str, Any], file: str) -> None:
        self.problems: list[Problem] = []
        self.members: list[MemberIn] = []
        self.site: Site | None = None
        self.unit: ShelterUnit | None = None
        self.admin_unit: AdminUnit | None = None
        self.origin: AdminUnit | None = None
        self.displaced_on: date | None = None
        self.declared_size: int | None = None
        # The phone's day; a form without it (or with a day that cannot be read) registers today.
        try:
            self.registered_on = _date(values, "today") or timezone.localdate()
        except ValueError:
            self.registered_on = timezone.localdate()
        if _text(values, "consent_registration") != "yes":
            self.problems.append(_problem(file, "consent_registration", "consent_refused"))
            return
        for found in date_problems(self.registered_on, "today", timezone.localdate()):
            self.problems.append(_problem(file, "", found.rule))
        self._place(organisation_id, values, file)
        self._origin(values, file)
        self._roster(values, file)

    def _place(self, organisation_id: Any, values: dict[str, Any], file: str) -> None:
        if _text(values, "lives") == "in_site":
            self.site = Site.objects.filter(
                organisation_id=organisation_id, code=_text(values, "site"), status__in=LIVED_IN
            ).first()
            if self.site is None:
                self.problems.append(_problem(file, "site", "unknown_site"))
            elif _text(values, "unit"):
                self.unit = _unit(self.site, _text(values, "unit"))
                if self.unit is None:
                    self.problems.append(_problem(file, "unit", "unit_unknown"))
            return
        pcode = _text(values, "district") or _text(values, "governorate")
        self.admin_unit = AdminUnit.objects.filter(pcode=pcode, level__in=(1, 2)).first()
        if self.admin_unit is None:
            self.problems.append(_problem(file, "district", "place_missing"))

    def _origin(self, values: dict[str, Any], file: str) -> None:
        pcode = _text(values, "origin_district") or _text(values, "origin_governorate")
        if pcode:
            self.origin = AdminUnit.objects.filter(pcode=pcode, level__in=(1, 2)).first()
            if self.origin is None:
                self.problems.append(_problem(file, "origin_governorate", "origin_unknown"))
        try:
            self.displaced_on = _date(values, "displaced_on")
        except ValueError:
            self.problems.append(_problem(file, "displaced_on", "not_a_date"))
        for found in date_problems(self.displaced_on, "displaced_on", timezone.localdate()):
            self.problems.append(_problem(file, found.field, found.rule))

    def _roster(self, values: dict[str, Any], file: str) -> None:
        entries = values.get(ROSTER)
        for position, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            try:
                member = _member(entry if isinstance(entry, dict) else {})
            except ValueError:
                self.problems.append(_problem(file, ROSTER, "member_unreadable", position))
                continue
            self.members.append(member)
            for found in member_problems(member, self.registered_on):
                self.problems.append(_problem(file, ROSTER, found.rule, position))
        size = _text(values, "household_size")
        self.declared_size = int(size) if size.isdigit() else None
        for found in household_problems(
            self.members, self.registered_on, declared_size=self.declared_size
        ):
            self.problems.append(_problem(file, ROSTER, found.rule))


def _unit(site: Site, written: str) -> ShelterUnit | None:
    """The site's shelter unit as written on it: "A/12" (block and unit) or "12" when no other
    block has a unit 12."""
    block, _slash, code = written.rpartition("/")
    units = ShelterUnit.objects.filter(site=site, code=code.strip())
    if block.strip():
        units = units.filter(block=block.strip())
    found = list(units[:2])
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------------------- the handler


def _check(organisation_id: Any, values: dict[str, Any], file: str) -> Checked:
    return Checked(_Read(organisation_id, values, file).problems)


def _accept(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Register the household under the submission's instance id: accepted again, or sent again
    by a second phone, it is the same household. An edit of an accepted registration is refused:
    a registered household is corrected on its own page, where its history is kept."""
    if submission.deprecated is not None and submission.deprecated.accepted.get("household"):
        raise NotAcceptable([_problem(file, "", "registration_edited")])
    read = _Read(submission.organisation_id, submission.data, file)
    if read.problems:
        raise NotAcceptable(read.problems)
    values = submission.data
    informant = KeyInformant.objects.filter(submission=submission).first()
    consents = ["registration"] + [
        purpose
        for purpose in ("assistance", "referral")
        if _text(values, f"consent_{purpose}") == "yes"
    ]
    try:
        household = services.household_register(
            actor=actor,
            organisation=submission.organisation,
            registered_on=read.registered_on,
            members=read.members,
            site=read.site,
            unit=read.unit,
            admin_unit=read.admin_unit,
            address=_text(values, "address")[:300],
            origin=read.origin,
            displaced_on=read.displaced_on,
            phone=informant.phone if informant else "",
            consents=consents,
            key=submission.instance_id,
            declared_size=read.declared_size,
        )
    except services.RegistryRuleBroken as broken:
        raise NotAcceptable(
            [_problem(file, ROSTER, p.rule, fallback=p.message) for p in broken.problems]
        ) from broken
    except ValidationError as invalid:
        raise NotAcceptable(
            [Problem(file, None, "", "refused", " ".join(invalid.messages))]
        ) from invalid
    return {"household": str(household.uid)}


HOUSEHOLD_REGISTRATION = FormHandler(
    form_id=FORM_ID,
    xlsform=XLSFORM,
    media=_media,
    check=_check,
    accept=_accept,
    names=_names,
    personal=PERSONAL,
    repeats=frozenset({ROSTER}),
    # The member roster's names and answers stay in the submission until it is accepted: the
    # organisation's registration staff review it, not its information managers.
    reviewers=frozenset({Role.REGISTRATION_OFFICER.value, Role.SITE_MANAGER.value}),
)


def register_handlers() -> None:
    register(HOUSEHOLD_REGISTRATION)
