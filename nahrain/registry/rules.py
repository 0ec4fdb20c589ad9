"""The rules a household and its members are held to, wherever they come from (the
registration page, the API, a partner's list through the intake pipeline, a KoboCollect
submission): pure functions returning problems, each naming its rule and field.

Rule names are the ones ``problem_words.py`` puts in the reader's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from nahrain.registry import codelists

WG_FIELDS = ("seeing", "hearing", "walking", "remembering", "self_care", "communicating")


@dataclass
class DocumentIn:
    kind: str
    held: bool
    number: str = ""


@dataclass
class MemberIn:
    """A member as given: names in either script (at least a first name), sex, a date of birth
    or an age, and the rest where known."""

    sex: str
    relationship: str
    first_ar: str = ""
    father_ar: str = ""
    grandfather_ar: str = ""
    family_ar: str = ""
    first_lat: str = ""
    father_lat: str = ""
    grandfather_lat: str = ""
    family_lat: str = ""
    name_written: str = ""
    born_on: date | None = None
    birth_date: str = "exact"  # "exact", "july_1", "january_1", "estimated"
    age: int | None = None  # when no date of birth is given: estimated from it
    wg: dict[str, int] = field(default_factory=dict)  # {"seeing": 1..4}
    serious_medical: bool = False
    pregnant_lactating: bool = False
    separated_child: bool = False
    documents: list[DocumentIn] = field(default_factory=list)
    key: str | None = None


@dataclass(frozen=True)
class Problem:
    rule: str
    field: str
    message: str


def estimated_birth(age: int, on: date) -> date:
    """The date of birth an age given on a day stands for: 1 July of the year, the Iraqi civil
    registry's convention (kept as ``estimated``, never shown as a birthday)."""
    return date(on.year - age, 7, 1)


def member_problems(member: MemberIn, on: date) -> list[Problem]:
    """What is wrong with one member registered on a day."""
    problems: list[Problem] = []
    if not (member.first_ar.strip() or member.first_lat.strip() or member.name_written.strip()):
        problems.append(Problem("name_missing", "first_name", "A member needs a first name."))
    if member.sex not in ("f", "m"):
        problems.append(Problem("sex_unknown", "sex", f"Sex {member.sex!r} is not f or m."))
    if member.relationship not in codelists.code_set("relationships"):
        problems.append(
            Problem(
                "relationship_unknown",
                "relationship",
                f"Relationship {member.relationship!r} is not in the code list.",
            )
        )
    implied = codelists.relationship_sex(member.relationship)
    if implied and member.sex in ("f", "m") and implied != member.sex:
        recorded = "female" if member.sex == "f" else "male"
        problems.append(
            Problem("sex_relationship", "sex", f"A {member.relationship} recorded as {recorded}.")
        )
    age_max = int(codelists.threshold("age_max"))
    if member.born_on is not None:
        if member.born_on > on:
            problems.append(
                Problem("date_future", "born_on", "The date of birth is in the future.")
            )
        elif codelists.age_on(member.born_on, on) > age_max:
            problems.append(Problem("age_above_max", "born_on", f"Older than {age_max}."))
    elif member.age is not None:
        if member.age < 0:
            problems.append(Problem("age_negative", "age", "An age cannot be negative."))
        elif member.age > age_max:
            problems.append(Problem("age_above_max", "age", f"Older than {age_max}."))
    else:
        problems.append(Problem("age_missing", "born_on", "Give a date of birth or an age."))
    for domain, answer in member.wg.items():
        if domain not in WG_FIELDS or answer not in (1, 2, 3, 4):
            problems.append(
                Problem("wg_answer", f"wg_{domain}", f"{domain}: answer {answer!r} is not 1 to 4.")
            )
    for document in member.documents:
        if document.kind not in codelists.code_set("documents"):
            problems.append(
                Problem("document_unknown", "documents", f"Document {document.kind!r} is unknown.")
            )
    if member.pregnant_lactating and member.sex == "m":
        problems.append(
            Problem("sex_pregnant", "pregnant_lactating", "A man is recorded as pregnant.")
        )
    return problems


def household_problems(
    members: Sequence[MemberIn], on: date, *, declared_size: int | None = None
) -> list[Problem]:
    """What is wrong with a household as a whole: its head, its size."""
    problems: list[Problem] = []
    heads = sum(1 for m in members if m.relationship == "head")
    if heads == 0:
        problems.append(Problem("head_missing", "relationship", "The household has no head."))
    elif heads > 1:
        problems.append(Problem("head_twice", "relationship", f"The household has {heads} heads."))
    if declared_size is not None and declared_size != len(members):
        problems.append(
            Problem(
                "size_members",
                "household_size",
                f"Household size {declared_size} but {len(members)} members listed.",
            )
        )
    return problems


def date_problems(day: date | None, field_name: str, today: date) -> list[Problem]:
    if day is not None and day > today:
        return [Problem("date_future", field_name, f"{day.isoformat()} is in the future.")]
    return []
