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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    if years == 1 and (either or (a.born.month, a.born.day) == (b.born.month, b.born.day)):
        return 4
    if years <= 5 and either:
        return 5
    return 6


def _value_level(a: str, b: str) -> int:
    if not a or not b:
        return 2
    return 0 if a == b else 1


def compare(a: Record, b: Record) -> Pattern | None:
    """The levels of a pair, or None when the pair cannot be one person."""
    if a.sex and b.sex and a.sex != b.sex:
        return None
    first = names.compare(a.first, b.first)
    father = names.compare(a.father, b.father)
    if names.DIFFERENT in (first, father):
        # First and father names swapped by one partner ("Ahmed Mohammed" for "Mohammed Ahmed").
        crossed = (names.compare(a.first, b.father), names.compare(a.father, b.first))
        if names.DIFFERENT in crossed or names.MISSING in crossed:
            return None
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

    def weight(self, pattern: Pattern, a: Record, b: Record) -> float:
        """The match weight (log2 of the Bayes factor, with the prior) of a compared pair."""
        total = math.log2(self.prior / (1 - self.prior))
        for k, level in enumerate(pattern):
            if level == MISSING[k]:
                continue
            total += math.log2(self.m[k][level] / self.u[k][level])
            if level == 0 and k in FREQUENCY_FIELDS:
                total += self._frequency_adjustment(FREQUENCY_FIELDS[k], a, b)
        return total

    def _frequency_adjustment(self, name: str, a: Record, b: Record) -> float:
        table = self.frequencies.get(name)
        if not table:
            return 0.0
        value = frequency_values(a)[name] or frequency_values(b)[name]
        share = table.get(value, min(table.values()))
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


# Starting points of the estimation, not its results: agreement likely in true pairs, unlikely
# in others. Expectation maximisation moves them to what the list shows.
_M_START = ([0.9, 0.05, 0.04, 0.01],) * 4 + (
    [0.45, 0.15, 0.12, 0.04, 0.08, 0.06, 0.08, 0.02],
    [0.8, 0.15, 0.05],
    [0.8, 0.15, 0.05],
    [0.85, 0.1, 0.05],
)


# Reviewers' decisions: a pair's pattern with whether it was one person (same) or two.
Labelled = Counter[tuple[Pattern, bool]]


def train(
    patterns: Counter[Pattern],
    records: Sequence[Record],
    *,
    labelled: Labelled | None = None,
    iterations: int = 40,
    prior: float = 0.3,
) -> Model:
    """Estimate the model from the candidate pairs' pattern counts (missing levels left out).
    Reviewers' decisions (``labelled``) take part with their answer fixed: a pair decided the
    same person counts wholly to m, one decided two people wholly to u; the share of true
    pairs stays that of the undecided candidates."""
    m = [list(levels) for levels in _M_START]
    u = _marginals(patterns)
    decided = list((labelled or Counter()).items())
    for _ in range(iterations):
        m_sums = [[1e-9] * len(levels) for levels in LEVELS]
        u_sums = [[1e-9] * len(levels) for levels in LEVELS]
        matched = 0.0
        total = 0.0
        weighed = [(pattern, count, None) for pattern, count in patterns.items()] + [
            (pattern, count, same) for (pattern, same), count in decided
        ]
        for pattern, count, same in weighed:
            if same is None:
                odds_m, odds_u = prior, 1 - prior
                for k, level in enumerate(pattern):
                    if level != MISSING[k]:
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
    tables, agreement = frequencies(records)
    return Model(prior=prior, m=m, u=u, frequencies=tables, agreement=agreement)


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


def pattern_counts(pairs: Iterable[Pattern]) -> Counter[Pattern]:
    return Counter(pairs)
