"""The labelled registrations generator: its rates, measured on 5,000 people, and its parts."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from datetime import date
from itertools import combinations
from pathlib import Path

import pytest

from nahrain.testing import people
from nahrain.testing.people import Label, LabelledSet

PEOPLE = 5000


@pytest.fixture(scope="module")
def labelled() -> LabelledSet:
    return people.generate(PEOPLE, seed=1)


def _true_pairs(labelled: LabelledSet) -> list[tuple[dict[str, str], dict[str, str]]]:
    by_person: dict[str, list[dict[str, str]]] = defaultdict(list)
    for record in labelled.records:
        by_person[labelled.labels[record["record_id"]].person_id].append(record)
    return [pair for records in by_person.values() for pair in combinations(records, 2)]


def _parts(labelled: LabelledSet) -> list[dict[str, str]]:
    return [r for r in labelled.records if not r["full_name"]]


def test_columns_and_values(labelled: LabelledSet) -> None:
    pcodes = {f"IQG{n:02d}" for n in range(1, 19)}
    for record in labelled.records:
        assert tuple(record) == people.COLUMNS
        assert record["sex"] in {"m", "f"}
        assert record["admin1_origin"] in pcodes
        assert record["admin1_current"] in pcodes
        if record["date_of_birth"]:
            date.fromisoformat(record["date_of_birth"])
    assert len({r["record_id"] for r in labelled.records}) == len(labelled.records)
    assert set(labelled.labels) == {r["record_id"] for r in labelled.records}


def test_people_and_records_per_person(labelled: LabelledSet) -> None:
    orgs: dict[str, set[str]] = defaultdict(set)
    for record in labelled.records:
        orgs[labelled.labels[record["record_id"]].person_id].add(record["org"])
    assert len(orgs) == PEOPLE
    assert {len(o) for o in orgs.values()} == {1, 2, 3, 4}
    assert 1.6 < len(labelled.records) / PEOPLE < 2.0


def test_half_of_true_pairs_cross_scripts(labelled: LabelledSet) -> None:
    pairs = _true_pairs(labelled)
    labels = labelled.labels
    cross = sum(labels[a["record_id"]].script != labels[b["record_id"]].script for a, b in pairs)
    assert 0.45 < cross / len(pairs) < 0.57


def test_three_quarters_of_true_pairs_share_the_date(labelled: LabelledSet) -> None:
    pairs = _true_pairs(labelled)
    shared = sum(
        bool(a["date_of_birth"]) and a["date_of_birth"] == b["date_of_birth"] for a, b in pairs
    )
    assert 0.70 < shared / len(pairs) < 0.80


def test_grandfather_missing_in_one_record_in_eight(labelled: LabelledSet) -> None:
    parts = _parts(labelled)
    missing = [r for r in parts if "g" in labelled.labels[r["record_id"]].noise]
    assert 0.10 < len(missing) / len(parts) < 0.15
    assert all(not r["grandfather_name"] for r in missing)
    assert all(r["grandfather_name"] for r in parts if r not in missing)


def test_family_missing_or_replaced_in_one_record_in_four(labelled: LabelledSet) -> None:
    parts = _parts(labelled)
    replaced = [r for r in parts if "f" in labelled.labels[r["record_id"]].noise]
    assert 0.21 < len(replaced) / len(parts) < 0.29
    # Half are left empty, the others carry another name: the tribe, an ancestor, a husband's.
    empty = sum(not r["family_name"] for r in replaced)
    assert 0.35 < empty / len(replaced) < 0.75
    assert all(r["family_name"] for r in parts if "f" not in labelled.labels[r["record_id"]].noise)


def test_full_name_only_records_in_both_scripts(labelled: LabelledSet) -> None:
    full = [r for r in labelled.records if r["full_name"]]
    assert full
    assert all(not (r["first_name"] or r["father_name"] or r["family_name"]) for r in full)
    assert {labelled.labels[r["record_id"]].script for r in full} == {"ar", "la"}


def test_mohammed_is_about_six_percent_of_men() -> None:
    persons = [p for h in people.population(PEOPLE, random.Random(1)) for p in h.members]
    men = [p for p in persons if p.sex == "m"]
    share = sum(p.first == people.MOHAMMED_NAME for p in men) / len(men)
    assert 0.045 < share < 0.075


def test_most_people_share_first_and_father_name() -> None:
    persons = [p for h in people.population(20_000, random.Random(1)) for p in h.members]
    pairs = Counter((p.first, p.father) for p in persons)
    assert sum(pairs[(p.first, p.father)] > 1 for p in persons) / len(persons) > 0.5


def test_twins_exist_and_many_are_hassan_and_hussein() -> None:
    persons = [p for h in people.population(PEOPLE, random.Random(1)) for p in h.members]
    births: dict[tuple[str, date], list[people.Person]] = defaultdict(list)
    for p in persons:
        births[(p.father_pid, p.birth)].append(p)
    twins = [group for group in births.values() if len(group) > 1]
    assert len(twins) >= 10
    assert all(len({p.documented_birth for p in group}) == 1 for group in twins)
    boys = [g for g in twins if all(p.sex == "m" for p in g)]
    named = sum({p.first for p in g} == {people.HASSAN, people.HUSSEIN} for g in boys)
    assert named / len(boys) > 0.25


def test_relations_present_and_household_members_differ(labelled: LabelledSet) -> None:
    households: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in labelled.records:
        households[(record["org"], record["household_id_in_org"])].append(record["record_id"])
    kinds: Counter[str | None] = Counter()
    for members in households.values():
        persons = [labelled.labels[m].person_id for m in members]
        assert len(persons) == len(set(persons))
        kinds.update(people.relation(labelled.labels, a, b) for a, b in combinations(members, 2))
    assert kinds["sibling"] > 0
    assert kinds["twin"] > 0
    # Cousins live in their own fathers' households: look across households sharing a family.
    by_grandfather: dict[str, set[str]] = defaultdict(set)
    for label in labelled.labels.values():
        by_grandfather[label.grandfather_person_id].add(label.father_person_id)
    assert any(len(fathers) > 1 for fathers in by_grandfather.values())


def test_focal_point_phone_shared_by_unrelated_households(labelled: LabelledSet) -> None:
    by_phone: dict[str, list[dict[str, str]]] = defaultdict(list)
    for record in labelled.records:
        if "p" in labelled.labels[record["record_id"]].noise:
            by_phone[re.sub(r"\D", "", record["phone"])[-10:]].append(record)
    unrelated = [
        (a, b)
        for records in by_phone.values()
        for a, b in combinations(records, 2)
        if people.relation(labelled.labels, a["record_id"], b["record_id"]) is None
    ]
    assert unrelated


def test_head_document_copied_onto_members(labelled: LabelledSet) -> None:
    copied = [r for r in labelled.records if "c" in labelled.labels[r["record_id"]].noise]
    assert copied
    numbers = Counter(r["document_number"] for r in labelled.records if r["document_number"])
    assert any(numbers[r["document_number"]] > 1 for r in copied)


def test_relation() -> None:
    labels = {
        "a": Label("P1", "F1", "G1", "2001-03-04", "ar", ""),
        "b": Label("P1", "F1", "G1", "2001-03-04", "la", ""),
        "c": Label("P2", "F1", "G1", "2001-03-04", "ar", ""),
        "d": Label("P3", "F1", "G1", "2003-05-06", "ar", ""),
        "e": Label("P4", "F2", "G1", "2001-03-04", "ar", ""),
        "f": Label("P5", "F3", "G2", "2001-03-04", "ar", ""),
    }
    assert people.relation(labels, "a", "b") == "same"
    assert people.relation(labels, "a", "c") == "twin"
    assert people.relation(labels, "a", "d") == "sibling"
    assert people.relation(labels, "a", "e") == "cousin"
    assert people.relation(labels, "a", "f") is None


def test_deterministic_by_seed() -> None:
    assert people.generate(300, seed=3) == people.generate(300, seed=3)
    assert people.generate(300, seed=3).records != people.generate(300, seed=4).records


def test_csv_round_trip(tmp_path: Path) -> None:
    labelled = people.generate(300, seed=2)
    people.write_csv(labelled, tmp_path / "records.csv", tmp_path / "labels.csv")
    assert people.read_csv(tmp_path / "records.csv", tmp_path / "labels.csv") == labelled


@pytest.mark.parametrize(
    ("roman", "style", "expected"),
    [
        ("muhammad", "alalc", "Muhammad"),
        ("muhammad", "english", "Mohammed"),
        ("muhammad", "french", "Mohamed"),
        ("muhammad", "iraqi", "Mhamad"),
        ("husayn", "english", "Hussein"),
        ("qaasim", "iraqi", "Gasim"),
        ("sa3d", "english", "Saad"),
        ("3abd al-rahmaan", "alalc", "Abd al-Rahman"),
        ("3abd allaah", "english", "Abdullah"),
    ],
)
def test_transliteration_styles(roman: str, style: str, expected: str) -> None:
    assert people.romanised(roman, style, random.Random(1)) == expected


def test_abdul_and_article_variants() -> None:
    rng = random.Random(1)
    abdul = {people.romanised("3abd al-rahmaan", "english", rng) for _ in range(200)}
    assert abdul == {"Abdulrahman", "Abdul Rahman", "Abdul-Rahman"}
    family = {people.romanised("al-jubuurii", "english", rng) for _ in range(400)}
    variants = {"Al-Jubouri", "Al Jubouri", "AlJubouri", "El-Jubouri", "al-Jubouri", "Jubouri"}
    assert variants <= family


def test_arabic_habits() -> None:
    rng = random.Random(1)
    assert people.arabic_written("أحمد", rng, hamza_dropped=1.0, sorani=False) == "احمد"
    assert people.arabic_written("فاطمة", rng, hamza_dropped=1.0, sorani=False) == "فاطمه"
    assert people.arabic_written("شيركو", rng, hamza_dropped=0.0, sorani=True) == "شیرکو"
    assert people.arabic_written("كاوه", rng, hamza_dropped=0.0, sorani=True) == "کاوە"


def test_typos_change_one_letter_or_so() -> None:
    rng = random.Random(1)
    for word in ("ضياء", "Mohammed", "ذياب"):
        slips = {people.typo(word, rng) for _ in range(50)}
        assert word not in slips
        assert all(abs(len(s) - len(word)) <= 1 for s in slips)
    assert any("ظ" in people.typo("ضياء", rng) for _ in range(200))
