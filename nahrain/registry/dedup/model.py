"""Two records compared, and how much each agreement weighs: a Fellegi-Sunter model.

``compare`` turns a pair into levels, one per field, or refuses the pair outright (``None``)
when the chain itself says they are two people: another sex, another first name (a brother,
a twin: Hassan and Hussein), another father (a cousin, or another man of the same name). The
refusal is what keeps siblings apart: everything else they share (father, grandfather, family,
phone, household, origin, and for twins the date of birth) is evidence of one family, not of
one person, and a model that weighs it (Splink as documented) merges them.

The weights are learnt from the list itself: m (how often a level is seen in true pairs) and u
(how often in other candidate pairs) by expectation maximisation over the candidate pairs'
patterns, with the share of true pairs; a missing value weighs nothing. Agreement on a name or
phone weighs more the rarer the value (term frequency, as Splink adjusts it): two Mohammeds
agree by chance far more often than two Kawthars, and a camp focal point's phone is on many
unrelated households' records.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import Levenshtein

from nahrain.registry.dedup import names
from nahrain.registry.dedup.records import Record

COMPARISONS = (
    "first_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "date_of_birth",
    "phone",
    "document_number",
    "admin1_origin",
)
_NAME = {names.SAME: 0, names.TYPO: 1, names.DIFFERENT: 2, names.MISSING: 3}
NAME_LEVELS = ("same", "typo", "different", "missing")
DATE_LEVELS = (
    "same",
    "same convention",
    "same year, one a convention",
    "day and month swapped",
    "a year off",
    "within five years, one a convention",
    "different",
    "missing",
)
VALUE_LEVELS = ("same", "different", "missing")
LEVELS = (NAME_LEVELS,) * 4 + (DATE_LEVELS, VALUE_LEVELS, VALUE_LEVELS, VALUE_LEVELS)
# The level of each comparison that says nothing (a value missing on either side).
MISSING = tuple(len(levels) - 1 for levels in LEVELS)
# The fields whose agreement is weighed by how common the value is.
FREQUENCY_FIELDS = {0: "first", 1: "father", 2: "grandfather", 3: "family", 5: "phone", 6: "doc"}

Pattern = tuple[int, ...]


def _date_level(a: Record, b: Record) -> int:
    if a.born is None or b.born is None:
        return 7
    if a.born == b.born:
        return 1 if a.convention else 0
    years = abs(a.born.year - b.born.year)
    either = a.convention or b.convention
    if years == 0 and either:
        return 2
    if (a.born.year, a.born.month, a.born.day) == (b.born.year, b.born.day, b.born.month):
        return 3
    if years == 1 and (either or abs((a.born - b.born).days) <= 400):
        return 4
    if years <= 5 and either:
        return 5
    return 6


def _value_level(a: str, b: str) -> int:
    if not a or not b:
        return 2
    return 0 if a == b else 1


def levels(a: Record, b: Record) -> Pattern:
    """The levels of a pair, first and father names read crossed when one partner swapped them
    ("Ahmed Mohammed" for "Mohammed Ahmed")."""
    first = names.compare(a.first, b.first)
    father = names.compare(a.father, b.father)
    if names.DIFFERENT in (first, father):
        crossed = (names.compare(a.first, b.father), names.compare(a.father, b.first))
        if names.DIFFERENT not in crossed and names.MISSING not in crossed:
            first, father = crossed
    grandfather = names.compare(a.grandfather, b.grandfather)
    family = names.compare(a.family, b.family)
    if grandfather == names.DIFFERENT:
        # A three-name chain whose last name is a family name without the article, read as the
        # grandfather's on one side (Murad Khalaf Hasso).
        for x, y in ((a, b), (b, a)):
            if x.family is None and names.compare(x.grandfather, y.family) == names.SAME:
                grandfather, family = names.MISSING, names.SAME
    return (
        _NAME[first],
        _NAME[father],
        _NAME[grandfather],
        _NAME[family],
        _date_level(a, b),
        _value_level(a.phone, b.phone),
        _value_level(a.document, b.document),
        _value_level(a.origin, b.origin),
    )


_DIFFERENT = _NAME[names.DIFFERENT]
# Dates that say one person: the same, a convention in the same year, swapped, a year off.
_DATE_CLOSE = frozenset(range(5))
_DATE_CLOSE_OR_MISSING = _DATE_CLOSE | {DATE_LEVELS.index("missing")}


def refused(a: Record, b: Record, pattern: Pattern) -> bool:
    """Whether the chain says two people: another sex, first name or father; or first and father
    names crossed, unless their dates of birth agree or nearly (or one is missing) and their
    grandfathers do not differ (else a father and the son named after his own father: Dhiyab
    Yunus and Yunus Dhiyab)."""
    if (a.sex and b.sex and a.sex != b.sex) or _DIFFERENT in pattern[:2]:
        return True
    crossed = names.compare(a.first, b.first) == names.DIFFERENT
    return crossed and (pattern[2] == _DIFFERENT or pattern[4] not in _DATE_CLOSE_OR_MISSING)


def certainly_two(a: Record, b: Record) -> bool:
    """Whether a refused pair is two people beyond a typo: another sex, or first names that
    differ by more than one letter or only in their vowels (Hassan and Hussein). A refusal on
    names one letter apart may be a typo (خالد and KHALI): it keeps the pair from linking, but
    does not keep their clusters apart."""
    if a.sex and b.sex and a.sex != b.sex:
        return True
    for x, y in ((a.first, b.first), (a.father, b.father)):
        if x is None or y is None or names.compare(x, y) != names.DIFFERENT:
            continue
        if x.key == y.key or Levenshtein.distance(x.key, y.key, score_cutoff=2) >= 2:
            return True
    return False


_TYPO = _NAME[names.TYPO]


def rescued(a: Record, b: Record) -> Pattern | None:
    """A refused pair that may yet be one person with a typo beyond the reading of names (a
    name cut short, a letter struck for another): the pattern with those names as typos, when
    the dates of birth agree or nearly (brothers do not share one); else None."""
    if certainly_two(a, b):
        return None
    pattern = levels(a, b)
    if pattern[4] not in _DATE_CLOSE:
        return None
    return tuple(
        _TYPO if k < 2 and level == _DIFFERENT else level for k, level in enumerate(pattern)
    )


def compare(a: Record, b: Record) -> Pattern | None:
    """The levels of a pair, or None when the pair cannot be one person."""
    if a.sex and b.sex and a.sex != b.sex:
        return None
    # Most blocked pairs are brothers and cousins: refused on the first names alone, cheaply.
    if names.compare(a.first, b.first) == names.DIFFERENT and (
        names.compare(a.first, b.father) in (names.DIFFERENT, names.MISSING)
        or names.compare(a.father, b.first) in (names.DIFFERENT, names.MISSING)
    ):
        return None
    pattern = levels(a, b)
    return None if refused(a, b, pattern) else pattern


def _frequency_value(record: Record, name: str) -> str:
    if name in ("phone", "doc"):
        return record.phone if name == "phone" else record.document
    value = getattr(record, name)
    return value.key if value is not None else ""


def frequency_values(record: Record) -> dict[str, str]:
    """The values of a record whose frequency adjusts an agreement on them."""
    return {
        "first": record.first.key if record.first else "",
        "father": record.father.key if record.father else "",
        "grandfather": record.grandfather.key if record.grandfather else "",
        "family": record.family.key if record.family else "",
        "phone": record.phone,
        "doc": record.document,
    }


@dataclass
class Model:
    """A trained model: the share of true pairs among candidates, m and u per level, and each
    frequency field's value frequencies with the chance two random records agree on it."""

    prior: float
    m: list[list[float]]
    u: list[list[float]]
    frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    agreement: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Weighing is done for every candidate pair: the logarithms and each table's floor (the
        # share of a value the list never showed, as rare as its rarest) are taken once.
        self._bits = [
            [math.log2(m / u) for m, u in zip(ms, us, strict=True)]
            for ms, us in zip(self.m, self.u, strict=True)
        ]
        self._floors = {name: min(table.values()) for name, table in self.frequencies.items()}
        self._start = math.log2(self.prior / (1 - self.prior))

    def weight(self, pattern: Pattern, a: Record, b: Record) -> float:
        """The match weight (log2 of the Bayes factor, with the prior) of a compared pair."""
        total = self._start
        for k, level in enumerate(pattern):
            if level == MISSING[k]:
                continue
            total += self._bits[k][level]
            if level == 0 and k in FREQUENCY_FIELDS:
                total += self._frequency_adjustment(FREQUENCY_FIELDS[k], a, b)
        return total

    def _frequency_adjustment(self, name: str, a: Record, b: Record) -> float:
        table = self.frequencies.get(name)
        if not table:
            return 0.0
        value = _frequency_value(a, name) or _frequency_value(b, name)
        share = table.get(value, self._floors[name])
        return math.log2(self.agreement[name] / share)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        return cls(
            prior=float(data["prior"]),
            m=[list(map(float, levels)) for levels in data["m"]],
            u=[list(map(float, levels)) for levels in data["u"]],
            frequencies=dict(data.get("frequencies", {})),
            agreement=dict(data.get("agreement", {})),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "prior": self.prior,
            "m": self.m,
            "u": self.u,
            "frequencies": self.frequencies,
            "agreement": self.agreement,
        }


def probability(weight: float) -> float:
    return 1 / (1 + 2 ** (-weight))


def frequencies(records: Sequence[Record]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Each frequency field's value shares, and the chance two random values agree (the sum of
    the squared shares), the base its adjustment is taken from."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FREQUENCY_FIELDS.values()}
    for record in records:
        for name, value in frequency_values(record).items():
            if value:
                counts[name][value] += 1
    tables: dict[str, dict[str, float]] = {}
    agreement: dict[str, float] = {}
    for name, counter in counts.items():
        total = sum(counter.values())
        if not total:
            continue
        tables[name] = {value: count / total for value, count in counter.items()}
        agreement[name] = sum(share * share for share in tables[name].values())
    return tables, agreement


# Starting points of the estimation, not its results: agreement likely in true pairs.
# Expectation maximisation moves them to what the list shows.
_M_START = ([0.9, 0.05, 0.04, 0.01],) * 4 + (
    [0.45, 0.15, 0.12, 0.04, 0.08, 0.06, 0.08, 0.02],
    [0.8, 0.15, 0.05],
    [0.8, 0.15, 0.05],
    [0.85, 0.1, 0.05],
)
# Which comparisons each training session learns m of: a session's pairs were blocked on the
# others, which agree in all of them, true pair or not, and so say nothing there (as Splink
# trains, one session per blocking rule, on all of that rule's pairs).
DATE_BLOCKED = (True, True, True, True, False, True, True, True)
CHAIN_BLOCKED = (False, False, False, True, True, True, True, True)

Labelled = Counter[tuple[Pattern, bool]]


def em(
    patterns: Counter[Pattern],
    active: Sequence[bool],
    *,
    labelled: Labelled | None = None,
    iterations: int = 40,
    prior: float = 0.3,
) -> tuple[list[list[float]], float, float]:
    """m of the active comparisons (u estimated alongside, among the session's other pairs),
    the share of true pairs and the expected number of true pairs in the session. Reviewers'
    decisions (``labelled``) take part with their answer fixed."""
    m = [list(levels) for levels in _M_START]
    u = _marginals(patterns)
    labelled = labelled or Counter()
    matched = 0.0
    for _ in range(iterations):
        m_sums = [[1e-9] * len(levels) for levels in LEVELS]
        u_sums = [[1e-9] * len(levels) for levels in LEVELS]
        matched = 0.0
        total = 0.0
        weighed = [(pattern, count, None) for pattern, count in patterns.items()] + [
            (pattern, count, same) for (pattern, same), count in labelled.items()
        ]
        for pattern, count, same in weighed:
            if same is None:
                odds_m, odds_u = prior, 1 - prior
                for k, level in enumerate(pattern):
                    if active[k] and level != MISSING[k]:
                        odds_m *= m[k][level]
                        odds_u *= u[k][level]
                p = odds_m / (odds_m + odds_u)
                matched += count * p
                total += count
            else:
                p = 1.0 if same else 0.0
            for k, level in enumerate(pattern):
                m_sums[k][level] += count * p
                u_sums[k][level] += count * (1 - p)
        prior = min(max(matched / max(total, 1.0), 1e-6), 1 - 1e-6)
        m = [_shares(sums, MISSING[k]) for k, sums in enumerate(m_sums)]
        u = [_shares(sums, MISSING[k]) for k, sums in enumerate(u_sums)]
    return m, prior, matched


def train(
    sessions: Sequence[tuple[Counter[Pattern], Sequence[bool]]],
    random_patterns: Counter[Pattern],
    candidates: Counter[Pattern],
    comparable_pairs: int,
    records: Sequence[Record],
    *,
    labelled: Labelled | None = None,
) -> Model:
    """The model of a list: u from random pairs (how often two records of different people
    agree), m from the training sessions (each comparison from the first session where it is
    active), and the prior chance that two comparable records are one person, such that the
    candidate pairs' expected true pairs over all comparable pairs give it back."""
    u = _marginals(random_patterns)
    m: list[list[float] | None] = [None] * len(LEVELS)
    for patterns, active in sessions:
        if not patterns:
            continue
        session_m, _, _ = em(patterns, active, labelled=labelled)
        for k, on in enumerate(active):
            if on and m[k] is None:
                m[k] = session_m[k]
    final_m = [levels if levels is not None else list(_M_START[k]) for k, levels in enumerate(m)]
    factors = {
        pattern: math.prod(
            final_m[k][level] / u[k][level]
            for k, level in enumerate(pattern)
            if level != MISSING[k]
        )
        for pattern in candidates
    }
    pairs = max(comparable_pairs, 1)
    prior = min(1 / pairs, 0.5)
    for _ in range(30):
        odds = prior / (1 - prior)
        expected = sum(
            count * (odds * factors[p]) / (1 + odds * factors[p]) for p, count in candidates.items()
        )
        prior = min(max(expected / pairs, 1e-12), 0.5)
    tables, agreement = frequencies(records)
    return Model(prior=prior, m=final_m, u=u, frequencies=tables, agreement=agreement)


def _marginals(patterns: Counter[Pattern]) -> list[list[float]]:
    sums = [[1.0] * len(levels) for levels in LEVELS]
    for pattern, count in patterns.items():
        for k, level in enumerate(pattern):
            sums[k][level] += count
    return [_shares(s, MISSING[k]) for k, s in enumerate(sums)]


def _shares(sums: list[float], missing: int) -> list[float]:
    """Shares among the levels that say something; the missing level keeps 1 (it is skipped)."""
    total = sum(v for level, v in enumerate(sums) if level != missing)
    shares = [max(v / total, 1e-6) if total else 1 / len(sums) for v in sums]
    shares[missing] = 1.0
    return shares
