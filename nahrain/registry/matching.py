"""The registry's duplicate check: each active individual's blocking keys kept current
(``MatchKey``), the check of new and changed individuals against the whole registry, across
organisations, and the batch run that learns the matcher's parameters from the registry.

The matcher itself is ``dedup`` (docs/REGISTRY.md); here it reads individuals as it reads a
partner's list (``rows_of``). A finding at a match probability of ``link.REVIEW_FLOOR`` or more is
kept as a ``PossibleDuplicate`` for review; a pair a reviewer decided is never reopened. What an
organisation learns of another's record is the other organisation's name, nothing else
(``notices``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.registry.dedup import link, model
from nahrain.registry.dedup.model import Model, Pattern
from nahrain.registry.dedup.records import Record, record_of
from nahrain.registry.models import (
    Document,
    DuplicateStatus,
    HouseholdStatus,
    Individual,
    MatchKey,
    MatchModel,
    MemberStatus,
    PossibleDuplicate,
)

DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "match_model.json"

_UNIT = ("level", "pcode", "parent__pcode", "parent__parent__pcode")
VALUES = (
    "pk",
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
    "sex",
    "born_on",
    "household_id",
    "household__number",
    "household__phone",
    *(f"household__origin__{part}" for part in _UNIT),
    *(f"household__admin_unit__{part}" for part in _UNIT),
)


def governorate(level: int | None, pcode: str | None, parent: str | None, grand: str | None) -> str:
    """The governorate (admin 1) p-code of a unit given with its parent's and grandparent's."""
    if level is None or level < 1:
        return ""
    return {1: pcode, 2: parent, 3: grand}.get(level) or ""


def _unit_of(values: Mapping[str, Any], prefix: str) -> str:
    return governorate(*(values.get(f"{prefix}__{part}") for part in _UNIT))


def matcher_row(
    values: Mapping[str, Any], document: str, *, origin: str, current: str
) -> dict[str, str]:
    """The matcher's row (``records.FIELDS``) of an individual read as ``VALUES`` (the held
    document's number and the governorates of origin and of where the household lives given
    apart): the Arabic chain where one is written, else the Latin one; the name as written,
    split by the matcher, where neither is."""
    arabic = tuple(values[f"{part}_ar"] for part in ("first", "father", "grandfather", "family"))
    latin = tuple(values[f"{part}_lat"] for part in ("first", "father", "grandfather", "family"))
    chain = arabic if any(arabic) else latin
    born = values["born_on"]
    return {
        "record_id": str(values["pk"]),
        "org": str(values["organisation_id"]),
        "first_name": chain[0],
        "father_name": chain[1],
        "grandfather_name": chain[2],
        "family_name": chain[3],
        "full_name": "" if any(chain) else values["name_written"],
        "sex": values["sex"],
        "date_of_birth": born.isoformat() if born else "",
        "phone": values["household__phone"] or "",
        "document_number": document,
        "household_id_in_org": values["household__number"],
        "admin1_origin": origin,
        "admin1_current": current,
    }


def _active(queryset: QuerySet[Individual]) -> QuerySet[Individual]:
    return queryset.filter(status=MemberStatus.ACTIVE, household__status=HouseholdStatus.ACTIVE)


def _with_document(queryset: QuerySet[Individual]) -> QuerySet[Individual]:
    held = Document.objects.filter(individual=OuterRef("pk"), held=True).exclude(number="")
    return queryset.annotate(
        document=Subquery(held.order_by("kind", "number").values("number")[:1])
    )


def rows_of(
    queryset: QuerySet[Individual], *, chunk: int | None = None
) -> Iterator[dict[str, Any]]:
    """Matcher rows of the individuals of a query in one query (their held document's number
    by a subquery), with the household's id under ``household`` (not a matcher field)."""
    values = _with_document(queryset).values(*VALUES, "document")
    found = values.iterator(chunk_size=chunk) if chunk else iter(values)
    for row in found:
        matched = matcher_row(
            row,
            row["document"] or "",
            origin=_unit_of(row, "household__origin"),
            current=_unit_of(row, "household__admin_unit"),
        )
        yield {**matched, "household": row["household_id"]}


def _key_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[tuple[int, int, str]]:
    # A national list makes some twenty million keys: the keyed hash is taken from the
    # deployment's secret once, not once per key.
    keyed = _keyed(settings.SECRET_KEY)
    for row in rows:
        record = record_of(row, 0)
        individual_id = int(row["record_id"])
        for rule, key in enumerate(link.blocking_keys(record)):
            if key:
                hashed = keyed.copy()
                hashed.update(key.encode())
                yield individual_id, rule, hashed.hexdigest()


def key_rows(rows: Iterable[Mapping[str, Any]]) -> list[tuple[int, int, str]]:
    """(individual id, rule, key) of matcher rows: the ``MatchKey`` rows a bulk write copies."""
    return list(_key_rows(rows))


_CHUNK = 5000  # ids per statement: SQLite takes a bounded number of parameters


@transaction.atomic
def keys_refresh(*, individual_ids: Iterable[int]) -> int:
    """Rewrite the blocking keys of these individuals: the active ones' from what they are now;
    the dead, those who left and those of closed households lose theirs. The keys written."""
    ids = sorted(set(individual_ids))
    written = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        MatchKey.objects.filter(individual_id__in=chunk).delete()
        rows = rows_of(_active(Individual.objects.filter(pk__in=chunk)))
        made = MatchKey.objects.bulk_create(
            MatchKey(individual_id=i, rule=rule, key=key) for i, rule, key in _key_rows(rows)
        )
        written += len(made)
    return written


# --- the model ---------------------------------------------------------------------------------


@cache
def _default_model() -> Model:
    return Model.from_json(json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))["parameters"])


@cache
def _stored_model(pk: int) -> Model:
    # A stored model is read once per process: its frequency tables can be megabytes.
    return Model.from_json(MatchModel.objects.values_list("parameters", flat=True).get(pk=pk))


def current_model() -> Model:
    """The newest model learnt from the registry, or the parameters shipped with the code."""
    newest = MatchModel.objects.order_by("-trained_at", "-pk").values_list("pk", flat=True).first()
    return _default_model() if newest is None else _stored_model(newest)


@lru_cache(maxsize=4)
def _keyed(secret_key: str) -> hashlib.blake2b:
    """BLAKE2b keyed with a deployment's secret, its key block already hashed: a copy of it
    hashes a blocking key in half the time of a new keyed hash."""
    return hashlib.blake2b(key=hashlib.sha256(secret_key.encode()).digest(), digest_size=16)


def stored_key(key: str) -> str:
    """A blocking key as stored and looked up: keyed with the deployment's secret (BLAKE2b), so
    that the table holds no phone, document number or name, only what equal keys share."""
    hashed = _keyed(settings.SECRET_KEY).copy()
    hashed.update(key.encode())
    return hashed.hexdigest()


def compact(trained: Model) -> dict[str, object]:
    """A model as stored: a frequency table keeps one of its values at the lowest share, the
    share an unknown value is weighed with, and leaves out the others at it (most phones and
    document numbers are seen once), which weighs every value as before."""
    data = trained.as_json()
    tables: dict[str, dict[str, float]] = {}
    # Phones and document numbers are personal values of every organisation: a stored model
    # weighs their agreement without their frequencies.
    for name, table in trained.frequencies.items():
        if name in ("phone", "doc"):
            continue
        lowest = min(table.values())
        kept = {value: share for value, share in table.items() if share > lowest}
        kept[min(v for v, share in table.items() if share == lowest)] = lowest
        tables[name] = kept
    data["frequencies"] = tables
    return data


# --- the check ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """An individual possibly the same person as another, open for review."""

    individual_id: int
    other_id: int
    probability: float
    pair_id: int


_CAP = "CASE m.rule " + " ".join(f"WHEN {r} THEN {c}" for r, c in enumerate(link.CAPS)) + " END"


def candidates_found(keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], list[int]]:
    """The individuals holding each (rule, key), in one query; a key held by more than its
    rule's cap is too common to block on and finds nobody."""
    if not keys:
        return {}
    table = MatchKey._meta.db_table
    wanted = ", ".join(["(%s, %s)"] * len(keys))
    sql = (
        f"WITH wanted(rule, key) AS (VALUES {wanted}), "  # noqa: S608 (placeholders only)
        f"usable AS (SELECT m.rule, m.key FROM {table} m "
        "JOIN wanted w ON m.rule = w.rule AND m.key = w.key "
        f"GROUP BY m.rule, m.key HAVING COUNT(*) <= {_CAP}) "
        f"SELECT m.rule, m.key, m.individual_id FROM {table} m "
        "JOIN usable u ON m.rule = u.rule AND m.key = u.key"
    )
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pair in keys for value in pair])
        for rule, key, individual_id in cursor.fetchall():
            found[(rule, key)].append(individual_id)
    return found


def _records(rows: Iterable[Mapping[str, Any]]) -> dict[int, tuple[Record, int]]:
    """Each row's record and household, by individual id."""
    return {int(row["record_id"]): (record_of(row, 0), row["household"]) for row in rows}


def scored(
    new: Mapping[int, tuple[Record, int]], trained: Model
) -> list[tuple[int, int, float, Pattern]]:
    """The pairs of new individuals and registered ones (found by their keys) at the review
    floor or above: (one id, the other id, probability, levels), each pair once."""
    keys = {
        i: tuple(stored_key(key) if key else "" for key in link.blocking_keys(record))
        for i, (record, _) in new.items()
    }
    wanted = sorted({(rule, key) for k in keys.values() for rule, key in enumerate(k) if key})
    held = candidates_found(wanted)
    others: dict[int, set[int]] = {
        i: {o for rule, key in enumerate(k) if key for o in held.get((rule, key), ())}
        for i, k in keys.items()
    }
    missing = {o for found in others.values() for o in found} - set(new)
    known = {**new, **_records(rows_of(Individual.objects.filter(pk__in=missing)))}
    pairs: dict[tuple[int, int], tuple[float, Pattern]] = {}
    for i, found in others.items():
        record, household = new[i]
        # Two members of one household registration are two people.
        candidates = [known[o][0] for o in found if o in known and known[o][1] != household]
        for other, p, pattern in link.possible_duplicates(record, candidates, trained):
            j = int(other.record_id)
            pairs[(min(i, j), max(i, j))] = (p, pattern)
    return [(a, b, p, pattern) for (a, b), (p, pattern) in pairs.items()]


def pairs_stored(
    found: Sequence[tuple[int, int, float, Pattern]],
    found_by: str,
    among: QuerySet[PossibleDuplicate] | None = None,
) -> dict[tuple[int, int], int]:
    """Store found pairs as possible duplicates: new ones open, open ones with their new
    probability, decided ones as they are. ``among`` holds the pairs already stored that may be
    among them (by default those of the found pairs' individuals). The ids of the found pairs
    open now."""
    if not found:
        return {}
    if among is None:
        firsts = {a for a, _, _, _ in found}
        among = PossibleDuplicate.objects.filter(
            first__in=firsts, second__in={b for _, b, _, _ in found}
        )
    existing = {
        (first, second): (pk, status)
        for pk, first, second, status in among.values_list("pk", "first_id", "second_id", "status")
    }
    new, changed = [], []
    for a, b, p, pattern in found:
        pk, status = existing.get((a, b), (None, None))
        if pk is None:
            new.append(
                PossibleDuplicate(
                    first_id=a, second_id=b, probability=p, pattern=list(pattern), found_by=found_by
                )
            )
        elif status == DuplicateStatus.OPEN:
            changed.append(PossibleDuplicate(pk=pk, probability=p, pattern=list(pattern)))
    # A pair another check stored meanwhile (two edits at once, a registration during the
    # batch) is left as it is: the unique pair is kept once, whoever stored it.
    PossibleDuplicate.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
    PossibleDuplicate.objects.bulk_update(changed, ["probability", "pattern"], batch_size=5000)
    stored = {(pair.first_id, pair.second_id): pair.pk for pair in changed}
    if new:
        made = PossibleDuplicate.objects.filter(
            first__in={p.first_id for p in new}, second__in={p.second_id for p in new}
        ).values_list("first_id", "second_id", "pk")
        wanted = {(p.first_id, p.second_id) for p in new}
        stored |= {(a, b): pk for a, b, pk in made if (a, b) in wanted}
    return stored


@transaction.atomic
def check(*, individuals: Iterable[Individual], actor: User | None) -> list[Finding]:
    """Check new or changed individuals against every active individual of the registry and
    keep what may be one person as possible duplicates to review ("registration"). The open
    findings, most probable first."""
    ids = [i.pk for i in individuals]
    new = _records(rows_of(_active(Individual.objects.filter(pk__in=ids))))
    if not new:
        return []
    found = scored(new, current_model())
    opened = pairs_stored(found, "registration")
    findings = [
        Finding(one, other, p, opened[(a, b)])
        for a, b, p, _ in found
        if (a, b) in opened
        for one, other in ((a, b), (b, a))
        if one in new
    ]
    for organisation_id in sorted({record.org for record, _ in new.values()}):
        audit_record(
            actor=actor,
            action="registry.duplicate_check",
            object_type="organisation",
            object_id=organisation_id,
            # By its id alone: the rows read carry it, the organisation's row is not needed.
            organisation=Organisation(pk=organisation_id),
            detail={"individuals": len(new), "found": len(findings)},
        )
    return sorted(findings, key=lambda f: (-f.probability, f.individual_id, f.other_id))


# --- what an organisation is told --------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A possible duplicate of a member as the member's organisation is told of it: the other
    household when it is the same organisation's, else the other organisation's name alone."""

    same_organisation: bool
    household_uid: Any  # the other household's uid, same organisation only
    organisation: str  # the other organisation's name, another organisation only

    @property
    def message(self) -> str:
        """The notice in the reader's language."""
        if self.same_organisation:
            return gettext("Possible duplicate in this organisation")
        return gettext("A possible duplicate is held by %(organisation)s") % {
            "organisation": self.organisation
        }


_SIDE = ("id", "organisation_id", "organisation__name", "household__uid")


def notices(individual_ids: Iterable[int]) -> dict[int, list[Notice]]:
    """The open possible duplicates of these individuals, per individual, as their own
    organisation may be told of them (one query)."""
    ids = set(individual_ids)
    pairs = PossibleDuplicate.objects.filter(
        Q(first__in=ids) | Q(second__in=ids), status=DuplicateStatus.OPEN
    ).values_list(*(f"{side}__{f}" for side in ("first", "second") for f in _SIDE))
    told: dict[int, list[Notice]] = defaultdict(list)
    for row in pairs:
        a, b = row[: len(_SIDE)], row[len(_SIDE) :]
        for (one, mine, _, _), (_, theirs, name, household) in ((a, b), (b, a)):
            if one not in ids:
                continue
            same = mine == theirs
            told[one].append(
                Notice(
                    same_organisation=same,
                    household_uid=household if same else None,
                    organisation="" if same else name,
                )
            )
    return dict(told)


# --- the batch run -----------------------------------------------------------------------------


def decided_patterns() -> model.Labelled:
    """Reviewers' decisions as labelled patterns: same person or not (unsure ones say nothing)."""
    labelled: model.Labelled = Counter()
    decided = PossibleDuplicate.objects.filter(
        status__in=[DuplicateStatus.SAME, DuplicateStatus.DIFFERENT]
    ).values_list("pattern", "status")
    for pattern, status in decided.iterator(chunk_size=10_000):
        labelled[(tuple(pattern), status == DuplicateStatus.SAME)] += 1
    return labelled


@dataclass(frozen=True)
class BatchRun:
    records: int
    pairs: int
    decisions: int
    stored: int
    model_id: int


def batch(*, actor: User | None, progress: Callable[[str], None] | None = None) -> BatchRun:
    """De-duplicate the whole registry: every active individual read set-based, the pairs
    compared, a model learnt (with reviewers' decisions) and stored, and every undecided pair
    in the review band kept as a possible duplicate ("batch"). The pipeline of
    ``link.dedupe`` but for the clusters: the pairs and their probabilities are what is kept."""
    say = progress or (lambda _message: None)
    rows = list(rows_of(_active(Individual.objects.all()), chunk=20_000))
    say(f"{len(rows):,} individuals read")
    records = [record_of(row, index) for index, row in enumerate(rows)]
    households = [row["household"] for row in rows]
    del rows
    workers = min(os.cpu_count() or 1, 4) if len(records) >= link.PARALLEL_FROM else 1
    candidates = link.compare_all(records, workers=workers)
    say(f"{len(candidates.pairs):,} pairs compared, {candidates.refused:,} refused")
    labelled = decided_patterns()
    trained = link.learn(records, candidates, labelled=labelled)
    floor = math.log2(link.REVIEW_FLOOR / (1 - link.REVIEW_FLOOR))
    found = [
        _ordered(records[lk.i], records[lk.j], model.probability(lk.weight), lk.pattern)
        for lk in link.score(records, candidates, trained)
        if lk.weight >= floor and households[lk.i] != households[lk.j]
    ]
    say(f"{len(found):,} pairs in the review band")
    with transaction.atomic():
        stored = MatchModel.objects.create(
            parameters=compact(trained),
            records=len(records),
            pairs=len(candidates.pairs),
            decisions=sum(labelled.values()),
        )
        written = len(pairs_stored(found, "batch", among=PossibleDuplicate.objects.all()))
        audit_record(
            actor=actor,
            action="registry.duplicate_batch",
            object_type="match_model",
            object_id=stored.pk,
            detail={"records": len(records), "pairs": len(found)},
        )
    return BatchRun(len(records), len(candidates.pairs), stored.decisions, written, stored.pk)


def _ordered(a: Record, b: Record, p: float, pattern: Pattern) -> tuple[int, int, float, Pattern]:
    i, j = int(a.record_id), int(b.record_id)
    return (min(i, j), max(i, j), p, pattern)
