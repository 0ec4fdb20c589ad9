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
import multiprocessing
import os
import random
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

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
    born = record.born.isoformat() if record.born else ""
    # Rules that leave a name free for its typos keep its first or last letter, the other name's
    # first letter or the year: brothers (and the cousins named after one grandfather) share a
    # block otherwise, all refused.
    first1, father1 = first[:1], father[:1]
    return (
        _key(pair, grandfather),
        _key(pair, family),
        _key(pair, year),
        _key(pair, grandfather, year),
        _key(pair, grandfather, family),
        _key(father, grandfather, family, first1),
        _key(father, grandfather, family, first[-1:]),
        _key(first, grandfather, family, father1),
        _key(father, grandfather, year, first1),
        _key(first, grandfather, year, father1),
        _key(born, first),
        _key(born, father, first1),
        pair,
        record.phone,
        _key(record.document, first1),
    )


# The most records one key of each rule may hold before it is too common to block on: the first
# and father names' blocks are small enough to compare whole in a list of a few hundred thousand
# records; in a national list the commonest chains are compared within a year or a family.
CAPS = (250, 250, 250, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 300, 300, 8, 40, 40)
RULES = (
    "first and father names, grandfather",
    "first and father names, family",
    "first and father names, year of birth",
    "first, father and grandfather names, year of birth",
    "first, father, grandfather and family names",
    "father, grandfather and family names, first letter of the first name",
    "father, grandfather and family names, last letter of the first name",
    "first, grandfather and family names, first letter of the father's",
    "father and grandfather names, year of birth, first letter of the first name",
    "first and grandfather names, year of birth, first letter of the father's",
    "date of birth, first name",
    "date of birth, father's name, first letter of the first name",
    "first and father names",
    "phone",
    "document number, first letter of the first name",
)


@dataclass
class Candidates:
    """The compared pairs: those that may be one person with their patterns and the rule that
    found them; refused pairs rescued as a typo (``model.rescued``) with theirs; the refused
    pairs certainly two people, the cannot-links, as a flat array (i, j, i, j...: there are
    millions in a national list); and how many pairs were refused in all."""

    pairs: list[tuple[int, int, Pattern, int]]
    rescued: list[tuple[int, int, Pattern]] = field(default_factory=list)
    apart: array[int] = field(default_factory=lambda: array("l"))
    refused: int = 0


def candidate_pairs(
    records: Sequence[Record], *, part: int = 0, parts: int = 1
) -> Iterator[tuple[int, int, int]]:
    """Every blocked pair once, with the first rule that finds it (of the keys whose hash falls
    in ``part`` of ``parts``, for the workers of ``compare_all``)."""
    keys = [blocking_keys(r) for r in records]
    compared: list[set[str]] = []  # each earlier rule's keys whose blocks were compared
    for rule in range(len(RULES)):
        blocks: dict[str, list[int]] = defaultdict(list)
        for index, record_keys in enumerate(keys):
            if record_keys[rule]:
                blocks[record_keys[rule]].append(index)
        usable = {key for key, members in blocks.items() if 1 < len(members) <= CAPS[rule]}
        for key in usable:
            if parts > 1 and hash(key) % parts != part:
                continue
            members = blocks[key]
            for x in range(len(members)):
                i = members[x]
                keys_i = keys[i]
                for y in range(x + 1, len(members)):
                    j = members[y]
                    if rule and _found_before(keys_i, keys[j], rule, compared):
                        continue
                    yield i, j, rule
        compared.append(usable)
        del blocks


def _found_before(
    a: tuple[str, ...], b: tuple[str, ...], rule: int, compared: list[set[str]]
) -> bool:
    # A key of an earlier rule too common to be compared there does not count.
    return any(a[r] and a[r] == b[r] and a[r] in compared[r] for r in range(rule))


def compare_all(records: Sequence[Record], *, workers: int = 1) -> Candidates:
    """Every blocked pair compared; with ``workers`` > 1, the blocks shared among forked
    processes (the comparison is pure Python: one process a core)."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _compared(records, 0, 1)
    global _SHARED
    _SHARED = records
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = pool.starmap(_compared_shared, [(part, workers) for part in range(workers)])
    finally:
        _SHARED = ()
    apart = array("l")
    for part in done:
        apart.extend(part.apart)
    return Candidates(
        pairs=[pair for part in done for pair in part.pairs],
        rescued=[pair for part in done for pair in part.rescued],
        apart=apart,
        refused=sum(part.refused for part in done),
    )


_SHARED: Sequence[Record] = ()


def _compared_shared(part: int, parts: int) -> Candidates:
    return _compared(_SHARED, part, parts)


def _compared(records: Sequence[Record], part: int, parts: int) -> Candidates:
    found = Candidates(pairs=[])
    # One object a pattern: there are a few thousand patterns and millions of pairs.
    interned: dict[Pattern, Pattern] = {}
    for i, j, rule in candidate_pairs(records, part=part, parts=parts):
        a, b = records[i], records[j]
        pattern = model.compare(a, b)
        if pattern is not None:
            found.pairs.append((i, j, interned.setdefault(pattern, pattern), rule))
            continue
        found.refused += 1
        if model.certainly_two(a, b):
            found.apart.extend((i, j))
        elif (rescued := model.rescued(a, b)) is not None:
            found.rescued.append((i, j, interned.setdefault(rescued, rescued)))
    return found


@dataclass(slots=True)
class Link:
    i: int
    j: int
    weight: float
    pattern: Pattern


def score(records: Sequence[Record], candidates: Candidates, trained: Model) -> list[Link]:
    """Each candidate pair's weight, with the support of the two households it joins."""
    links = [
        Link(i, j, trained.weight(pattern, records[i], records[j]), pattern)
        for i, j, pattern, _ in candidates.pairs
    ]
    for i, j, pattern in candidates.rescued:
        links.append(Link(i, j, trained.weight(pattern, records[i], records[j]), pattern))
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
    apart_pairs: Sequence[int],
    *,
    threshold: float = THRESHOLD,
) -> list[int]:
    """Each record's cluster (the index of one of its records): links above the threshold,
    strongest first, unless the join puts two records that cannot be one person together (two
    members of one registration, or a pair of ``apart_pairs``: i, j, i, j...)."""
    floor = math.log2(threshold / (1 - threshold))
    strong = sorted((lk for lk in links if lk.weight >= floor), key=lambda lk: -lk.weight)
    parent = list(range(len(records)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(records))}
    # Cannot-links matter only between records some link may join.
    linked = {lk.i for lk in strong} | {lk.j for lk in strong}
    apart: dict[int, set[int]] = defaultdict(set)
    for k in range(0, len(apart_pairs), 2):
        i, j = apart_pairs[k], apart_pairs[k + 1]
        if i in linked and j in linked:
            apart[i].add(j)
            apart[j].add(i)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in strong:
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


RANDOM_PAIRS = 200_000
# Lists this long are compared by one process a core (up to four); shorter ones are not worth
# the start.
PARALLEL_FROM = 50_000
# The training sessions' pairs: pairs of records born on one date (names free), and all pairs
# of the first rule (the chain blocked; the date free).
DATE_BLOCK_CAP = 100
DATE_PAIRS = 300_000


def learn(
    records: Sequence[Record],
    candidates: Candidates,
    *,
    labelled: model.Labelled | None = None,
    seed: int = 1,
) -> Model:
    """The model of a list: u from random pairs of records of a sex that allows one person, m by
    two sessions of expectation maximisation (pairs born on one date learn the names and the
    rest; pairs of one chain learn the date), and the prior from all candidate pairs."""
    rng = random.Random(seed)  # noqa: S311 (a sample, not a secret)
    by_chain = Counter(p for _, _, p, rule in candidates.pairs if rule == 0)
    sexes = Counter(record.sex for record in records)
    size = len(records)
    comparable = size * (size - 1) // 2 - sexes["m"] * sexes["f"]
    return model.train(
        [(_date_patterns(records, rng), model.DATE_BLOCKED), (by_chain, model.CHAIN_BLOCKED)],
        _random_patterns(records, min(RANDOM_PAIRS, comparable), rng),
        Counter(p for _, _, p, _ in candidates.pairs),
        comparable,
        records,
        labelled=labelled,
    )


def _date_patterns(records: Sequence[Record], rng: random.Random) -> Counter[Pattern]:
    """The patterns of pairs born on one date, not a convention (1 July of a year is shared by
    too many to say anything of names), blocks in random order up to ``DATE_PAIRS`` pairs."""
    born: dict[tuple[object, str], list[Record]] = defaultdict(list)
    for record in records:
        if record.born is not None and not record.convention:
            born[(record.born, record.sex)].append(record)
    blocks = [members for members in born.values() if 1 < len(members) <= DATE_BLOCK_CAP]
    rng.shuffle(blocks)
    patterns: Counter[Pattern] = Counter()
    drawn = 0
    for members in blocks:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                patterns[model.levels(members[x], members[y])] += 1
        drawn += len(members) * (len(members) - 1) // 2
        if drawn >= DATE_PAIRS:
            break
    return patterns


def _random_patterns(records: Sequence[Record], count: int, rng: random.Random) -> Counter[Pattern]:
    size = len(records)
    patterns: Counter[Pattern] = Counter()
    drawn = 0
    while drawn < count and size > 1:
        a, b = records[rng.randrange(size)], records[rng.randrange(size)]
        if a is b or (a.sex and b.sex and a.sex != b.sex):
            continue
        patterns[model.levels(a, b)] += 1
        drawn += 1
    return patterns


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
    workers = min(os.cpu_count() or 1, 4) if len(records) >= PARALLEL_FROM else 1
    candidates = compare_all(records, workers=workers)
    say(f"{len(candidates.pairs):,} pairs compared, {candidates.refused:,} refused")
    trained = learn(records, candidates, labelled=labelled)
    say("model learnt")
    links = score(records, candidates, trained)
    say(f"{len(links):,} pairs weighed")
    found = clusters(records, links, candidates.apart)
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
