"""De-duplication of a whole list: blocking, comparison, learning, household support, clusters.

1. **Blocking.** A pair is compared only when the two records share a blocking key: their first
   and father names (either order: one partner swaps them) with the grandfather, the family or
   the year of birth; the father, grandfather and family names (a typo in the first name); the
   first, grandfather and family names (a typo in the father's); the first and father names
   alone where few records share them; the phone or the document number where few share it.
   Keys are the names' script-free skeletons, so Arabic and Latin spellings meet. A pair found
   by several rules is compared once (by the first rule that finds it). A key shared by more
   records than its rule's cap is too common to say anything and is skipped.
2. **Comparison** (``model.compare``): levels per field, or a refusal (another sex, first name
   or father), which makes the pair a cannot-link.
3. **Learning** (``model.train``): m, u and the share of true pairs from the candidates.
4. **Household support.** Two household registrations holding the same person usually hold the
   same family: a pair whose households share another linked pair gains the weight such support
   has among the linked pairs against the rest (measured on the list, not assumed).
5. **Clusters.** Links above the threshold, strongest first, join clusters unless the join would
   put together two records that cannot be one person: two members of one registration (the
   same organisation's household) or a refused pair. A chain of links never merges brothers.

The threshold is a match probability of 0.99 (``THRESHOLD``): a wrong merge denies someone aid,
a missed one costs a review, so links below it are left to the review queue's band
(``REVIEW_FLOOR`` to ``THRESHOLD``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from nahrain.registry.dedup import model
from nahrain.registry.dedup.model import Model, Pattern
from nahrain.registry.dedup.records import Record, record_of

THRESHOLD = 0.99
REVIEW_FLOOR = 0.5


def _key(*parts: str) -> str:
    return "|".join(parts) if all(parts) else ""


def _names(record: Record) -> tuple[str, str, str, str]:
    return (
        record.first.key if record.first else "",
        record.father.key if record.father else "",
        record.grandfather.key if record.grandfather else "",
        record.family.key if record.family else "",
    )


def blocking_keys(record: Record) -> tuple[str, ...]:
    """A record's key under each rule, in the rules' order ("" where a part is missing)."""
    first, father, grandfather, family = _names(record)
    pair = "+".join(sorted((first, father))) if first and father else ""
    year = str(record.born.year) if record.born else ""
    return (
        _key(pair, grandfather),
        _key(pair, family),
        _key(pair, year),
        _key(father, grandfather, family),
        _key(first, grandfather, family),
        pair,
        record.phone,
        record.document,
    )


# The most records one key of each rule may hold before it is too common to block on.
CAPS = (3000, 3000, 3000, 1500, 1500, 300, 40, 40)
RULES = (
    "first and father names, grandfather",
    "first and father names, family",
    "first and father names, year of birth",
    "father, grandfather and family names",
    "first, grandfather and family names",
    "first and father names",
    "phone",
    "document number",
)


@dataclass
class Candidates:
    """The compared pairs: linked candidates with their patterns, and refused pairs."""

    pairs: list[tuple[int, int, Pattern]]
    refused: list[tuple[int, int]]


def candidate_pairs(records: Sequence[Record]) -> Iterator[tuple[int, int]]:
    """Every blocked pair once, each by the first rule that finds it."""
    keys = [blocking_keys(r) for r in records]
    for rule in range(len(RULES)):
        blocks: dict[str, list[int]] = defaultdict(list)
        for index, record_keys in enumerate(keys):
            if record_keys[rule]:
                blocks[record_keys[rule]].append(index)
        usable = {key for key, members in blocks.items() if len(members) <= CAPS[rule]}
        for key in usable:
            members = blocks[key]
            for x in range(len(members)):
                i = members[x]
                for y in range(x + 1, len(members)):
                    j = members[y]
                    if _found_before(keys[i], keys[j], rule):
                        continue
                    yield i, j
        del blocks


def _found_before(a: tuple[str, ...], b: tuple[str, ...], rule: int) -> bool:
    # A key shared under an earlier rule whose block was over its cap was not compared there;
    # such blocks hold the commonest values, so the pair is compared again here (rarely twice).
    return any(a[r] and a[r] == b[r] for r in range(rule))


def compare_all(records: Sequence[Record]) -> Candidates:
    pairs: list[tuple[int, int, Pattern]] = []
    refused: list[tuple[int, int]] = []
    for i, j in candidate_pairs(records):
        pattern = model.compare(records[i], records[j])
        if pattern is None:
            refused.append((i, j))
        else:
            pairs.append((i, j, pattern))
    return Candidates(pairs=pairs, refused=refused)


@dataclass
class Link:
    i: int
    j: int
    weight: float
    pattern: Pattern


def score(records: Sequence[Record], candidates: Candidates, trained: Model) -> list[Link]:
    """Each candidate pair's weight, with the support of the two households it joins."""
    links = [
        Link(i, j, trained.weight(pattern, records[i], records[j]), pattern)
        for i, j, pattern in candidates.pairs
    ]
    return _household_support(records, links)


def _household_support(records: Sequence[Record], links: list[Link]) -> list[Link]:
    strong = math.log2(THRESHOLD / (1 - THRESHOLD))
    shared: Counter[tuple[str, str]] = Counter()

    def households(link: Link) -> tuple[str, str] | None:
        a, b = records[link.i].household, records[link.j].household
        if not a or not b or a == b:
            return None
        return (a, b) if a < b else (b, a)

    for link in links:
        pair = households(link)
        if pair and link.weight >= strong:
            shared[pair] += 1
    # How often a pair has another linked pair between its households, among links and among
    # the other candidates: the weight of that support is what it tells apart on this list.
    counts = {True: [1.0, 1.0], False: [1.0, 1.0]}  # linked?: [supported, not supported]
    supported_by: list[bool | None] = []
    for link in links:
        pair = households(link)
        if pair is None:
            supported_by.append(None)
            continue
        others = shared[pair] - (1 if link.weight >= strong else 0)
        supported_by.append(others > 0)
        counts[link.weight >= strong][0 if others > 0 else 1] += 1
    linked, other = counts[True], counts[False]
    bonus = {
        True: math.log2((linked[0] / sum(linked)) / (other[0] / sum(other))),
        False: math.log2((linked[1] / sum(linked)) / (other[1] / sum(other))),
    }
    for link, support in zip(links, supported_by, strict=True):
        if support is not None:
            link.weight += bonus[support]
    return links


def clusters(
    records: Sequence[Record],
    links: Iterable[Link],
    refused: Iterable[tuple[int, int]],
    *,
    threshold: float = THRESHOLD,
) -> list[int]:
    """Each record's cluster (the index of one of its records): links above the threshold,
    strongest first, unless the join puts two records that cannot be one person together."""
    floor = math.log2(threshold / (1 - threshold))
    parent = list(range(len(records)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(records))}
    apart: dict[int, set[int]] = defaultdict(set)
    for i, j in refused:
        apart[i].add(j)
        apart[j].add(i)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in sorted((lk for lk in links if lk.weight >= floor), key=lambda lk: -lk.weight):
        a, b = root(link.i), root(link.j)
        if a == b or _conflict(records, members[a], members[b], apart):
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        parent[b] = a
        members[a].extend(members.pop(b))
    return [root(i) for i in range(len(records))]


def _conflict(
    records: Sequence[Record], one: list[int], other: list[int], apart: Mapping[int, set[int]]
) -> bool:
    households = {records[i].household for i in one if records[i].household}
    for j in other:
        if records[j].household in households or apart.get(j, set()).intersection(one):
            return True
    return False


def learn(
    records: Sequence[Record], candidates: Candidates, *, labelled: model.Labelled | None = None
) -> Model:
    return model.train(
        Counter(pattern for _, _, pattern in candidates.pairs), records, labelled=labelled
    )


def dedupe(
    rows: Iterable[Mapping[str, str | None]],
    *,
    progress: Callable[[str], None] | None = None,
    labelled: model.Labelled | None = None,
) -> tuple[list[Record], list[int], Model]:
    """Read, compare, learn, score and cluster a list: its records, each one's cluster, and the
    model learnt from it (with reviewers' decisions, ``labelled``, where there are some)."""
    say = progress or (lambda _message: None)
    records = [record_of(row, index) for index, row in enumerate(rows)]
    say(f"{len(records):,} records read")
    candidates = compare_all(records)
    say(f"{len(candidates.pairs):,} pairs compared, {len(candidates.refused):,} refused")
    trained = learn(records, candidates, labelled=labelled)
    links = score(records, candidates, trained)
    found = clusters(records, links, candidates.refused)
    say(f"{len(set(found)):,} people found")
    return records, found, trained


def possible_duplicates(
    new: Record, candidates: Iterable[Record], trained: Model, *, floor: float = REVIEW_FLOOR
) -> list[tuple[Record, float, Pattern]]:
    """The candidates that may be the new record's person, most probable first, with the match
    probability and the comparison levels (the registration check: blocked candidates found by
    their ``MatchKey`` rows; no household support, which needs the whole list)."""
    found: list[tuple[Record, float, Pattern]] = []
    for other in candidates:
        pattern = model.compare(new, other)
        if pattern is None:
            continue
        p = model.probability(trained.weight(pattern, new, other))
        if p >= floor:
            found.append((other, p, pattern))
    return sorted(found, key=lambda item: -item[1])
