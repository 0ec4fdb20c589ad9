"""A partner's beneficiary list as an import spec on the intake pipeline (docs/REGISTRY.md,
"Importing a beneficiary list").

The file goes into an organisation's registry: its registration officers and site managers
import it (``access.access_organisation_for_registry``). Two shapes, told apart by the headers:

- long: one row per person, the household named by a key column (``household_id``, ``HH ID``,
  ``رقم الاسرة``) on each of its members' rows; the household's own columns (site, place,
  origin, phone, displacement date, size) are read from the first row that gives them;
- wide: one row per household, its members in numbered columns (``member1_name``,
  ``member1_sex``, ``member2_age``..., as KoboCollect flattens a repeat group: ``member[1]/sex``,
  ``members_2_age``). In this shape members come from the numbered columns alone.

A member's name is the chain (first, father, grandfather, family) in Arabic or Latin script, or
one column of the name as written, kept as such and split on spaces into the chain. Every row is
held to the registry's rules (``rules.member_problems``, ``household_problems``,
``date_problems``): a problem names the file, the row, the column and the rule, and one refuses
the whole file. Nothing is written by a dry run.

Imported again, a list registers only the households whose key the organisation has not yet
registered from a list (``Household.key`` is ``file:<key>``): those already there are left as
they are (a change to them is made on the household's page), and counted in the summary.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.problems import ImportRejected, Problem
from nahrain.core.services import audit_record
from nahrain.displacement.validation import PlaceResolver
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
from nahrain.registry import access, bulk, codelists
from nahrain.registry.models import Household
from nahrain.registry.rules import (
    WG_FIELDS,
    DocumentIn,
    MemberIn,
    date_problems,
    household_problems,
    member_problems,
)
from nahrain.sites.models import Site

BENEFICIARIES = "registry.beneficiaries"
# A national list is large: 300,000 households are 1.5 million rows in the long shape.
MAX_ROWS = 2_000_000
MAX_BYTES = 500 * 1024 * 1024
KEY_PREFIX = "file:"

# What describes one person: in the long shape a column each, in the wide shape one per member.
MEMBER_FIELDS = (
    Field(
        "relationship",
        gettext_noop("Relationship to the head"),
        (
            "Relationship",
            "Relationship to head",
            "Relationship to HoH",
            "Relation",
            "Relation to head",
            "صلة القرابة",
            "العلاقة برب الاسرة",
            "القرابة",
        ),
        ("#beneficiary+relationship",),
    ),
    Field("sex", gettext_noop("Sex"), ("Sex", "Gender", "الجنس", "رەگەز"), ("#beneficiary+sex",)),
    Field(
        "born_on",
        gettext_noop("Date of birth"),
        ("Date of birth", "DOB", "Birth date", "Birthdate", "تاريخ الميلاد", "التولد"),
        ("#beneficiary+date+birth",),
    ),
    Field("age", gettext_noop("Age"), ("Age", "Age (years)", "العمر"), ("#beneficiary+age",)),
    Field(
        "first_ar",
        gettext_noop("First name (Arabic)"),
        ("First name (Arabic)", "first_name_ar", "الاسم", "الاسم الاول"),
        ("#beneficiary+name+first+i_ar",),
    ),
    Field(
        "father_ar",
        gettext_noop("Father's name (Arabic)"),
        ("Father's name (Arabic)", "father_name_ar", "اسم الاب"),
        ("#beneficiary+name+father+i_ar",),
    ),
    Field(
        "grandfather_ar",
        gettext_noop("Grandfather's name (Arabic)"),
        ("Grandfather's name (Arabic)", "grandfather_name_ar", "اسم الجد"),
        ("#beneficiary+name+grandfather+i_ar",),
    ),
    Field(
        "family_ar",
        gettext_noop("Family or tribe (Arabic)"),
        ("Family name (Arabic)", "family_name_ar", "اللقب", "العشيرة"),
        ("#beneficiary+name+family+i_ar",),
    ),
    Field(
        "first_lat",
        gettext_noop("First name (Latin)"),
        ("First name", "first_name", "Given name"),
        ("#beneficiary+name+first",),
    ),
    Field(
        "father_lat",
        gettext_noop("Father's name (Latin)"),
        ("Father's name", "Father name", "father_name"),
        ("#beneficiary+name+father",),
    ),
    Field(
        "grandfather_lat",
        gettext_noop("Grandfather's name (Latin)"),
        ("Grandfather's name", "Grandfather name", "grandfather_name"),
        ("#beneficiary+name+grandfather",),
    ),
    Field(
        "family_lat",
        gettext_noop("Family or tribe (Latin)"),
        ("Family name", "Surname", "Last name", "Tribe", "family_name"),
        ("#beneficiary+name+family",),
    ),
    Field(
        "name_written",
        gettext_noop("Full name as written"),
        ("Full name", "Name", "full_name", "Beneficiary name", "الاسم الكامل", "الاسم الثلاثي"),
        ("#beneficiary+name",),
    ),
    *(
        Field(
            f"wg_{domain}",
            gettext_noop("Washington Group answer"),
            (f"WG {domain.replace('_', ' ')}", f"wg_{domain}"),
            (f"#beneficiary+wg+{domain}",),
        )
        for domain in WG_FIELDS
    ),
    Field(
        "serious_medical",
        gettext_noop("Serious medical condition"),
        ("Serious medical condition", "Chronic disease", "حالة طبية خطيرة"),
    ),
    Field(
        "pregnant_lactating",
        gettext_noop("Pregnant or lactating"),
        ("Pregnant or lactating", "Pregnant", "PLW", "حامل او مرضعة"),
    ),
    Field(
        "separated_child",
        gettext_noop("Unaccompanied or separated child"),
        ("Separated child", "UASC", "طفل منفصل"),
    ),
    Field(
        "documents_held",
        gettext_noop("Civil documents held"),
        ("Documents held", "Documents", "الوثائق", "المستمسكات"),
    ),
    Field(
        "documents_missing",
        gettext_noop("Civil documents missing"),
        ("Documents missing", "Missing documents", "الوثائق المفقودة"),
    ),
    Field(
        "national_card_number",
        gettext_noop("Unified national card number"),
        ("National card number", "National ID", "ID number", "رقم البطاقة الوطنية"),
        ("#beneficiary+id+national",),
    ),
)
HOUSEHOLD_FIELDS = (
    Field(
        "household_key",
        gettext_noop("Household key in the file"),
        (
            "household_id",
            "HH ID",
            "Household ID",
            "Household number",
            "Family ID",
            "Case number",
            "HH number",
            "رقم الاسرة",
            "رقم العائلة",
        ),
        ("#beneficiary+hh+code", "#household+code"),
        required=True,
    ),
    Field(
        "household_size",
        gettext_noop("Household size"),
        ("Household size", "HH size", "Family size", "Number of members", "عدد افراد الاسرة"),
        ("#beneficiary+hh+size",),
    ),
    Field(
        "phone",
        gettext_noop("Contact phone"),
        ("Phone", "Phone number", "Mobile", "Contact number", "رقم الهاتف", "رقم الموبايل"),
        ("#contact+phone",),
    ),
    Field(
        "site",
        gettext_noop("Site code"),
        ("Site code", "Site ID", "Camp code", "Camp ID", "رمز الموقع", "رمز المخيم"),
        ("#loc+code",),
    ),
    Field(
        "governorate",
        gettext_noop("Governorate"),
        ("Governorate", "Current governorate", "المحافظة"),
        ("#adm1+name", "#adm1+code"),
    ),
    Field(
        "district",
        gettext_noop("District"),
        ("District", "Current district", "القضاء"),
        ("#adm2+name", "#adm2+code"),
    ),
    Field(
        "origin_governorate",
        gettext_noop("Governorate of origin"),
        ("Governorate of origin", "Origin governorate", "محافظة الاصل"),
        ("#adm1+name+origin", "#adm1+code+origin"),
    ),
    Field(
        "origin_district",
        gettext_noop("District of origin"),
        ("District of origin", "Origin district", "قضاء الاصل"),
        ("#adm2+name+origin", "#adm2+code+origin"),
    ),
    Field(
        "displaced_on",
        gettext_noop("Date of displacement"),
        ("Date of displacement", "Displacement date", "Displaced on", "تاريخ النزوح"),
        ("#date+displaced",),
    ),
    Field(
        "registered_on",
        gettext_noop("Date of registration"),
        ("Date of registration", "Registration date", "Registered on", "تاريخ التسجيل"),
        ("#date+registered",),
    ),
    Field(
        "vulnerabilities",
        gettext_noop("Specific needs"),
        ("Vulnerabilities", "Specific needs", "الاحتياجات الخاصة"),
        ("#beneficiary+needs",),
    ),
)
FIELDS = HOUSEHOLD_FIELDS + MEMBER_FIELDS
MEMBER_NAMES = {f.name for f in MEMBER_FIELDS}

# A member's column in the wide shape: "member1_sex", "Member 2 age", "member[3]/name",
# "members_4_relationship", "فرد1_الجنس".
_MEMBER_COLUMN = re.compile(
    r"^\s*(?:hh[\s_]*)?(?:members?|individual|ind|فرد|الفرد)\s*[\s_\-/.\[]*(\d{1,2})\]?"
    r"[\s_\-/.]*(.+?)\s*$",
    re.IGNORECASE,
)
# What follows the member's number: a member field's name or one of its headers, or these.
_MEMBER_WORDS = {
    header_key(word): name
    for spec_field in MEMBER_FIELDS
    for word in (spec_field.name, *spec_field.headers)
    for name in [spec_field.name]
} | {
    header_key(word): name
    for word, name in (
        ("name", "name_written"),
        ("full_name", "name_written"),
        ("dob", "born_on"),
        ("relation", "relationship"),
        ("gender", "sex"),
    )
}
# A member's cells that every list has; the others (documents, Washington Group, needs) are
# read only when the file has them.
_COMMON = frozenset(
    (
        "relationship",
        "sex",
        "born_on",
        "age",
        "first_ar",
        "father_ar",
        "grandfather_ar",
        "family_ar",
        "first_lat",
        "father_lat",
        "grandfather_lat",
        "family_lat",
        "name_written",
    )
)
_MEMBER_TARGET = re.compile(r"^member:(\d{1,2}):([a-z_]+)$")
MEMBER_HELP = "member:N:FIELD (a member's column in a one-row-per-household file)"


def _member_extra(header: str) -> tuple[str, str] | None:
    found = _MEMBER_COLUMN.match(header)
    if found is None:
        return None
    name = _MEMBER_WORDS.get(header_key(found.group(2)))
    return (f"member:{int(found.group(1))}:{name}", "") if name else None


def _target_of(wanted: str) -> tuple[str, str] | None:
    found = _MEMBER_TARGET.match(wanted.strip())
    if found is None or found.group(2) not in MEMBER_NAMES:
        return None
    return (f"member:{int(found.group(1))}:{found.group(2)}", "")


def _words(*pairs: tuple[str, str]) -> dict[str, str]:
    return {header_key(word): value for word, value in pairs}


SEXES = _words(
    ("m", "m"),
    ("male", "m"),
    ("man", "m"),
    ("boy", "m"),
    ("ذكر", "m"),
    ("نێر", "m"),
    ("f", "f"),
    ("female", "f"),
    ("woman", "f"),
    ("girl", "f"),
    ("انثى", "f"),
    ("أنثى", "f"),
    ("مێ", "f"),
)
RELATIONSHIPS = {
    header_key(str(text)): entry["code"]
    for entry in codelists.codelists()["relationships"]["codes"]
    for text in (entry["code"], entry["label_en"], entry["label_ar"], entry["label_ckb"])
} | _words(
    ("HoH", "head"),
    ("Head", "head"),
    ("رب الاسرة", "head"),
    ("رب العائلة", "head"),
    ("wife", "spouse"),
    ("husband", "spouse"),
    ("زوجة", "spouse"),
    ("زوج", "spouse"),
    ("ابن", "son"),
    ("ابنة", "daughter"),
    ("بنت", "daughter"),
    ("اب", "father"),
    ("ام", "mother"),
    ("اخ", "brother"),
    ("اخت", "sister"),
    ("حفيد", "grandson"),
    ("حفيدة", "granddaughter"),
)
YES = _words(("yes", ""), ("y", ""), ("1", ""), ("true", ""), ("x", ""), ("نعم", ""), ("بەڵێ", ""))
NO = _words(("no", ""), ("n", ""), ("0", ""), ("false", ""), ("لا", ""), ("نەخێر", ""))
WG_ANSWERS = {
    header_key(str(text)): int(entry["code"])
    for entry in codelists.codelists()["wg_domains"]["answers"]
    for text in (entry["code"], entry["label_en"], entry["label_ar"], entry["label_ckb"])
}


def _code_words(kind: str) -> dict[str, str]:
    return {
        header_key(str(text)): entry["code"]
        for entry in codelists.codelists()[kind]["codes"]
        for text in (entry["code"], entry["label_en"], entry["label_ar"], entry["label_ckb"])
    }


DOCUMENTS = _code_words("documents")
VULNERABILITIES = _code_words("vulnerabilities")
_LIST_SPLIT = re.compile(r"[;,|\n،]+|\s{2,}")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
# Words that begin a compound given name ("Abd al-Rahman", "عبد الله"): kept with the next word
# when a name written in one column is split into the chain.
_JOINED = {"عبد", "abd", "abdul", "abdel", "abu", "ابو", "أبو"}
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def name_chain_split(written: str) -> tuple[str, str, str, str]:
    """A name written in one column as the chain: first, father, grandfather, and the rest as
    the family or tribe; a compound given name stays one name."""
    words = written.split()
    parts: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.casefold() in _JOINED and index + 1 < len(words) and len(parts) < 3:
            word = f"{word} {words[index + 1]}"
            index += 1
        parts.append(word)
        index += 1
    chain = [*parts[:3], " ".join(parts[3:])]
    chain += [""] * (4 - len(chain))
    return (chain[0], chain[1], chain[2], chain[3])


def _organisation(user: AnyUser, uid: str) -> Organisation:
    return access.access_organisation_for_registry(user, uid)


@dataclass
class _Member:
    member: MemberIn
    row: int
    columns: dict[str, str]  # member field -> column letter, for its problems


@dataclass
class _Household:
    key: str
    row: int  # the first row that names it
    members: list[_Member] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # household field -> first value given
    letters: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Reads one file's rows into households, gathering every problem."""

    def __init__(self, intake: Intake, targets: dict[str, Column]) -> None:
        self.intake = intake
        self.file = intake.file
        self.organisation: Organisation = intake.target
        self.targets = targets
        self.problems: list[Problem] = []
        self.today = timezone.localdate()
        self.registered_on = (
            date.fromisoformat(intake.options["registered_on"])
            if intake.options.get("registered_on")
            else self.today
        )
        self.resolver = PlaceResolver(intake.aliases, organisation_id=self.organisation.pk)
        self.unresolved_rows: dict[tuple[str, int], int] = {}
        # The member columns of the wide shape: number -> field -> column.
        self.members: dict[int, dict[str, Column]] = {}
        for target, column in targets.items():
            found = _MEMBER_TARGET.match(target)
            if found:
                self.members.setdefault(int(found.group(1)), {})[found.group(2)] = column
        self.long = {
            name: targets[f"field:{name}"] for name in MEMBER_NAMES if f"field:{name}" in targets
        }
        self.sites: dict[str, Site | None] = {}
        self.keys: dict[str, str] = {}
        self.lists: dict[tuple[str, str], tuple[str, ...]] = {}
        self.dates: dict[str, date | None] = {}

    def key(self, text: str) -> str:
        """``header_key`` of a cell, once per distinct text (a list says "male" a million
        times)."""
        found = self.keys.get(text)
        if found is None:
            found = self.keys[text] = header_key(text)
        return found

    @property
    def wide(self) -> bool:
        return bool(self.members)

    def letter(self, name: str) -> str:
        column = self.targets.get(f"field:{name}")
        return column_letter(column.index) if column else ""

    def error(self, row: int, column: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.file, row, column, rule, message))

    # --- values --------------------------------------------------------------------------------

    def day(self, text: str, row: int, column: str) -> tuple[date | None, str]:
        """A date as lists write it (2014-08-03, 03/08/2014, or a year alone: 1 July by the
        civil registry's convention), and how it is known."""
        if text not in self.dates:
            self.dates[text] = _parse_day(text)
        found = self.dates[text]
        if found is None:
            self.error(row, column, "not_a_date", f"{text!r} is not a date (YYYY-MM-DD)")
            return None, "exact"
        return found, "july_1" if _YEAR.match(text) else "exact"

    def count(self, text: str, row: int, column: str) -> int | None:
        if not text:
            return None
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            value = -1.0
        if value < 0 or value != int(value) or value > 32767:
            self.error(row, column, "not_a_count", f"{text!r} is not a whole number ≥ 0")
            return None
        return int(value)

    def flag(self, text: str, row: int, column: str) -> bool:
        key = self.key(text)
        if not key or key in NO:
            return False
        if key in YES:
            return True
        self.error(row, column, "not_yes_no", f"{text!r} is not yes or no")
        return False

    def codes(
        self, text: str, words: dict[str, str], row: int, column: str, kind: str
    ) -> list[str]:
        if not text:
            return []
        known = self.lists.get((kind, text))
        if known is not None:
            return list(known)
        found = []
        errors = len(self.problems)
        for part in _LIST_SPLIT.split(text):
            if not part.strip():
                continue
            code = words.get(self.key(part))
            if code is None:
                self.error(
                    row, column, f"{kind}_unknown", f"{part.strip()!r} is not a known {kind}"
                )
                continue
            found.append(code)
        if len(self.problems) == errors:
            self.lists[(kind, text)] = tuple(found)
        return found

    # --- members -------------------------------------------------------------------------------

    def member(self, cells: dict[str, str], letters: dict[str, str], row: int) -> MemberIn:
        """A member from its cells (member field -> text, the mapped fields only); bad values
        are problems. Made in one constructor call: a national list has 1.5 million."""
        get = cells.get
        sex_text = get("sex", "")
        relationship_text = get("relationship", "")
        chain_ar = [get("first_ar", ""), get("father_ar", ""), get("grandfather_ar", "")]
        chain_ar.append(get("family_ar", ""))
        chain_lat = [get("first_lat", ""), get("father_lat", ""), get("grandfather_lat", "")]
        chain_lat.append(get("family_lat", ""))
        written = get("name_written", "")
        if written and not (chain_ar[0] or chain_lat[0]):
            split = list(name_chain_split(written))
            if _ARABIC.search(written):
                chain_ar = split
            else:
                chain_lat = split
        born_on, birth_date, age = None, "exact", None
        if get("born_on"):
            born_on, birth_date = self.day(cells["born_on"], row, letters.get("born_on", ""))
        elif get("age"):
            text = cells["age"]
            try:
                age = int(float(text))
            except ValueError:
                self.error(row, letters.get("age", ""), "not_a_count", f"{text!r} is not an age")
        wg = {}
        flags = {}
        documents: list[DocumentIn] = []
        if not cells.keys() <= _COMMON:  # the rarer columns, when the file has them
            for domain in WG_FIELDS:
                text = get(f"wg_{domain}", "")
                if text:
                    answer = WG_ANSWERS.get(self.key(text))
                    wg[domain] = answer if answer is not None else -1
            for flag in ("serious_medical", "pregnant_lactating", "separated_child"):
                if get(flag):
                    flags[flag] = self.flag(cells[flag], row, letters.get(flag, ""))
            held = self.codes(
                get("documents_held", ""),
                DOCUMENTS,
                row,
                letters.get("documents_held", ""),
                "document",
            )
            missing = self.codes(
                get("documents_missing", ""),
                DOCUMENTS,
                row,
                letters.get("documents_missing", ""),
                "document",
            )
            number = get("national_card_number", "")
            if number and "national_card" not in held:
                held.append("national_card")
            documents = [
                DocumentIn(kind, True, number if kind == "national_card" else "") for kind in held
            ] + [DocumentIn(kind, False) for kind in missing if kind not in held]
        return MemberIn(
            sex=SEXES.get(self.key(sex_text), sex_text),
            relationship=RELATIONSHIPS.get(self.key(relationship_text), relationship_text),
            first_ar=chain_ar[0],
            father_ar=chain_ar[1],
            grandfather_ar=chain_ar[2],
            family_ar=chain_ar[3],
            first_lat=chain_lat[0],
            father_lat=chain_lat[1],
            grandfather_lat=chain_lat[2],
            family_lat=chain_lat[3],
            name_written=written,
            born_on=born_on,
            birth_date=birth_date,
            age=age,
            wg=wg,
            documents=documents,
            serious_medical=flags.get("serious_medical", False),
            pregnant_lactating=flags.get("pregnant_lactating", False),
            separated_child=flags.get("separated_child", False),
        )

    def rows(self, body: list[tuple[int, list[str]]]) -> dict[str, _Household]:
        households: dict[str, _Household] = {}
        household_columns = {
            f.name: self.targets[f"field:{f.name}"]
            for f in HOUSEHOLD_FIELDS
            if f"field:{f.name}" in self.targets
        }
        # Cells are read by position, and a member's empty cells are left out of its dict
        # (``member`` reads a missing cell as empty): 1.5 million rows in a national list.
        household_at = [(name, c.index) for name, c in household_columns.items()]
        key_at = household_columns["household_key"].index
        long_at = [(name, c.index) for name, c in self.long.items()]
        long_letters = {name: column_letter(c.index) for name, c in self.long.items()}
        wide_at = {
            number: [(name, c.index) for name, c in columns.items()]
            for number, columns in sorted(self.members.items())
        }
        wide_letters = {
            number: {name: column_letter(c.index) for name, c in columns.items()}
            for number, columns in self.members.items()
        }
        for done, (number, row) in enumerate(body, start=1):
            if done % 5000 == 0:
                self.intake.progress("checking", done, len(body))
            width = len(row)
            key = row[key_at] if key_at < width else ""
            if not key:
                self.error(number, self.letter("household_key"), "required", "no household key")
                continue
            household = households.get(key)
            if household is None:
                household = households[key] = _Household(key, number)
            elif self.wide:
                self.error(
                    number,
                    self.letter("household_key"),
                    "household_twice",
                    f"household {key!r} is the household of row {household.row} too",
                )
                continue
            given = household.cells
            for name, index in household_at:
                if index < width and row[index] and name not in given:
                    given[name] = row[index]
            if self.wide:
                for position, at in wide_at.items():
                    member_cells = {name: row[i] for name, i in at if i < width and row[i]}
                    if not member_cells:
                        continue  # fewer members than the columns allow
                    letters = wide_letters[position]
                    household.members.append(
                        _Member(self.member(member_cells, letters, number), number, letters)
                    )
            else:
                member_cells = {name: row[i] for name, i in long_at if i < width and row[i]}
                household.members.append(
                    _Member(self.member(member_cells, long_letters, number), number, long_letters)
                )
        return households

    # --- households ----------------------------------------------------------------------------

    def site(self, code: str, row: int) -> Site | None:
        if code not in self.sites:
            self.sites[code] = (
                Site.objects.select_related("admin_unit")
                .filter(organisation=self.organisation, code=code)
                .first()
            )
        found = self.sites[code]
        if found is None:
            self.error(
                row,
                self.letter("site"),
                "unknown_site",
                f"{code!r} is not the code of a site of {self.organisation}",
            )
        return found

    def place(self, household: _Household, prefix: str) -> AdminUnit | None:
        """The lowest admin unit the household's (origin) governorate and district name."""
        text = household.cells.get(f"{prefix}governorate", "")
        if not text:
            return None
        governorate = self.resolver.governorate(text)
        if governorate is None:
            self.unresolved_rows.setdefault((text, 1), household.row)
            self.error(
                household.row,
                self.letter(f"{prefix}governorate"),
                "unknown_governorate",
                f"{text!r} is not a known governorate name or code" + self.resolver.hint(text, 1),
            )
            return None
        text = household.cells.get(f"{prefix}district", "")
        if not text:
            return governorate
        district = self.resolver.district(governorate, text)
        if district is None:
            self.unresolved_rows.setdefault((text, 2), household.row)
            self.error(
                household.row,
                self.letter(f"{prefix}district"),
                "unknown_district",
                f"{text!r} is not a district of {governorate.name_en}"
                + self.resolver.hint(text, 2, governorate),
            )
        return district

    def household(self, household: _Household) -> bulk.HouseholdIn | None:
        """A household checked against the registry's rules, or None (its problems kept)."""
        before = len(self.problems)
        cells, row = household.cells, household.row
        registered_on = self.registered_on
        if cells.get("registered_on"):
            registered_on = (
                self.day(cells["registered_on"], row, self.letter("registered_on"))[0]
                or registered_on
            )
        displaced_on = None
        if cells.get("displaced_on"):
            displaced_on = self.day(cells["displaced_on"], row, self.letter("displaced_on"))[0]
        for problem in date_problems(registered_on, "registered_on", self.today) + date_problems(
            displaced_on, "displaced_on", self.today
        ):
            self.error(row, self.letter(problem.field), problem.rule, problem.message)
        size = self.count(cells.get("household_size", ""), row, self.letter("household_size"))
        members = [m.member for m in household.members]
        for problem in household_problems(members, registered_on, declared_size=size):
            if problem.field == "household_size":
                letter = self.letter("household_size")
            else:
                letter = household.members[0].columns.get("relationship", "") if members else ""
            self.error(row, letter, problem.rule, f"household {household.key}: {problem.message}")
        for member in household.members:
            for problem in member_problems(member.member, registered_on):
                name = problem.field
                if name == "first_name":
                    name = next(
                        (
                            n
                            for n in ("first_ar", "first_lat", "name_written")
                            if n in member.columns
                        ),
                        "",
                    )
                elif name == "born_on" and "born_on" not in member.columns:
                    name = "age"
                self.error(member.row, member.columns.get(name, ""), problem.rule, problem.message)
        vulnerabilities = self.codes(
            cells.get("vulnerabilities", ""),
            VULNERABILITIES,
            row,
            self.letter("vulnerabilities"),
            "vulnerability",
        )
        site = self.site(cells["site"], row) if cells.get("site") else None
        admin_unit = self.place(household, "") if site is None else None
        origin = self.place(household, "origin_")
        if not cells.get("site") and not cells.get("governorate"):
            self.error(
                row,
                self.letter("site") or self.letter("governorate"),
                "place_missing",
                f"household {household.key}: give its site code, or its governorate",
            )
        if len(self.problems) > before:
            return None
        return bulk.HouseholdIn(
            key=KEY_PREFIX + household.key,
            registered_on=registered_on,
            members=members,
            site=site,
            admin_unit_id=admin_unit.pk if admin_unit is not None else None,
            origin_id=origin.pk if origin is not None else None,
            displaced_on=displaced_on,
            phone=cells.get("phone", "")[:32],
            vulnerabilities=vulnerabilities,
        )


def _parse_day(text: str) -> date | None:
    """A date as lists write it, or None when the text is not one."""
    value = text.strip()[:10]
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    found = _DAY_FIRST.match(value)
    try:
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        if _YEAR.match(value):
            return date(int(value), 7, 1)
    except ValueError:
        return None
    return None


def _header_problems(reader: _Reader, file: str, row: int) -> list[Problem]:
    """What the headers lack for the shape they have."""
    needed = ("sex", "relationship")
    problems = []
    if reader.wide:
        for position, columns in sorted(reader.members.items()):
            for name in needed:
                if name not in columns:
                    problems.append(
                        Problem(
                            file,
                            row,
                            "",
                            "missing_column",
                            f"no column for member {position}'s {name}; expected "
                            f"member{position}_{name}",
                        )
                    )
        return problems
    for name in needed:
        if name not in reader.long:
            headers = next(f.headers for f in MEMBER_FIELDS if f.name == name)
            problems.append(
                Problem(
                    file,
                    row,
                    "",
                    "missing_column",
                    f"no column for {name}; expected one of: {', '.join(headers[:6])}",
                )
            )
    return problems


@dataclass
class Checked:
    """A list read and checked: the households to register (those not registered yet)."""

    in_file: int
    households: list[bulk.HouseholdIn]
    mapping: list[dict[str, str]]


def households_checked(intake: Intake) -> Checked:
    """Read and check a list, writing nothing; refused (``ImportRejected``) with every problem."""
    organisation: Organisation = intake.target
    file = intake.file
    table = read_table(intake.data, file=file, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
    header, header_row = table.rows[0], table.row_numbers[0]
    hxl = table.rows[1] if len(table.rows) > 1 and is_hxl_row(table.rows[1]) else None
    columns = match_headers(header, FIELDS, hxl=hxl, extra=_member_extra)
    problems = apply_column_map(
        columns,
        intake.column_map,
        file=file,
        row=header_row,
        fields=FIELDS,
        target_of=_target_of,
        others=MEMBER_HELP,
    )
    targets, header_problems = check_mapping(columns, FIELDS, file=file, row=header_row)
    problems += header_problems
    mapping = mapping_summary(columns)
    reader = _Reader(intake, targets)
    problems += _header_problems(reader, file, header_row)
    if problems:
        raise ImportRejected(problems, mapping=mapping)
    body = list(zip(table.row_numbers, table.rows, strict=True))[2 if hxl else 1 :]
    del table
    body = [(number, row) for number, row in body if any(row)]  # cells come stripped
    read = reader.rows(body)
    del body
    registered = set(
        Household.objects.filter(organisation=organisation, key__startswith=KEY_PREFIX).values_list(
            "key", flat=True
        )
    )
    households = []
    for done, household in enumerate(read.values(), start=1):
        if done % 5000 == 0:
            intake.progress("checking households", done, len(read))
        checked = reader.household(household)
        if checked is not None and checked.key not in registered:
            households.append(checked)
    if reader.problems:
        problems = sorted(reader.problems, key=lambda p: (p.row or 0, p.column, p.rule))
        unresolved = [
            replace(u, row=reader.unresolved_rows.get((u.text, u.level)))
            for u in reader.resolver.unresolved.values()
        ]
        raise ImportRejected(problems, unresolved=unresolved, mapping=mapping)
    return Checked(len(read), households, mapping)


def _import(intake: Intake, *, dry_run: bool) -> Outcome:
    organisation: Organisation = intake.target
    file = intake.file
    checked = households_checked(intake)
    households = checked.households
    individuals = sum(len(h.members) for h in households)
    audit = None
    if not dry_run:
        batch = hashlib.sha256(intake.data).hexdigest()[:16]
        with transaction.atomic():
            written = bulk.households_write(
                actor=intake.actor,
                organisation=organisation,
                households=households,
                batch=batch,
                note=gettext_noop("Imported from a list"),
                progress=intake.progress,
            )
            audit = audit_record(
                actor=intake.actor,
                action="registry.import",
                object_type="organisation",
                object_id=organisation.pk,
                organisation=organisation,
                detail={
                    "file": file[:200],
                    "households": written.households,
                    "individuals": written.individuals,
                    "already_registered": checked.in_file - len(households),
                    "sites": len(written.by_site),
                },
            )
    return Outcome(
        summary=[
            (gettext_noop("Households in the file"), checked.in_file),
            (
                gettext_noop("Households already registered (left as they are)"),
                checked.in_file - len(households),
            ),
            (gettext_noop("New households"), len(households)),
            (gettext_noop("New individuals"), individuals),
            (
                gettext_noop("Sites receiving households"),
                len({h.site.pk for h in households if h.site}),
            ),
        ],
        mapping=checked.mapping,
        problems=[],
        audit=audit,
    )


def _label(organisation: Any) -> str:
    return gettext("Registry of %(organisation)s") % {"organisation": organisation}


def _url(organisation: Any) -> str:
    # The registry's own pages are not there yet: back to this list's upload page.
    return reverse("intake:upload", args=[BENEFICIARIES, organisation.pk])


BENEFICIARIES_SPEC = Spec(
    name=BENEFICIARIES,
    title=gettext_lazy("Beneficiary list (households and their members)"),
    fields=FIELDS,
    target_for_change=_organisation,
    organisation_of=lambda organisation: organisation,
    target_url=_url,
    target_label=_label,
    check=lambda intake: _import(intake, dry_run=True),
    commit=lambda intake: _import(intake, dry_run=False),
    extra_targets=lambda organisation: [],
    learns_aliases=True,
    personal=True,
)


def register_specs() -> None:
    register(BENEFICIARIES_SPEC)
