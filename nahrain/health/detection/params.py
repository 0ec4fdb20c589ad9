"""Parameters of the detection methods, as stored in the JSON rule files.

Names and defaults are those of the R package ``surveillance`` (``earsC``, ``farringtonFlexible``);
in a rule file the keys are R's own (``minSigma``, ``noPeriods``, ...), see ``params_from_dict``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

EarsMethod = Literal["C1", "C2", "C3"]
ThresholdMethod = Literal["delta", "nbPlugin", "muan"]
Powertrans = Literal["2/3", "1/2", "none"]


@dataclass(frozen=True)
class EarsParams:
    """``earsC(sts, control)``: baseline 7, minSigma 0 and alpha 0.001 (C1, C2) or 0.025 (C3)."""

    method: EarsMethod = "C1"
    baseline: int = 7
    alpha: float | None = None
    min_sigma: float = 0.0

    def __post_init__(self) -> None:
        # The same refusals as earsC's stop() calls.
        if self.method not in ("C1", "C2", "C3"):
            raise ValueError(f"EARS method must be C1, C2 or C3, not {self.method!r}")
        if self.min_sigma < 0:
            raise ValueError("The minimum sigma parameter (minSigma) needs to be positive")
        if self.baseline < 3:
            raise ValueError("Minimum baseline to use is 3.")
        if self.alpha is not None and not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, not {self.alpha}")

    @property
    def level(self) -> float:
        """alpha, or earsC's default for the method when none was given."""
        if self.alpha is not None:
            return self.alpha
        return 0.025 if self.method == "C3" else 0.001

    @property
    def max_lag(self) -> int:
        """How many weeks before the first week with a bound (earsC's ``maxLag``)."""
        return self.baseline + {"C1": 0, "C2": 2, "C3": 4}[self.method]


@dataclass(frozen=True)
class FarringtonParams:
    """``farringtonFlexible(sts, control)`` with the package's defaults.

    ``past_weeks_not_included`` None means ``w``, as in R. ``noufaily()`` gives the improved method
    of Noufaily et al. (2013) as the package's documentation sets it.
    """

    b: int = 5
    w: int = 3
    reweight: bool = True
    weights_threshold: float = 2.58
    alpha: float = 0.05
    trend: bool = True
    p_threshold_trend: float = 0.05
    limit54: tuple[int, int] = (5, 4)
    powertrans: Powertrans = "2/3"
    population_offset: bool = False
    no_periods: int = 1
    past_weeks_not_included: int | None = None
    threshold_method: ThresholdMethod = "delta"

    def __post_init__(self) -> None:
        cases, period = self.limit54
        if not (cases >= 0 and period > 0):
            raise ValueError("The limit54 arguments are out of bounds: cases >= 0 and period > 0.")
        if self.b < 1 or self.w < 0 or self.no_periods < 1:
            raise ValueError("b must be at least 1, w at least 0 and noPeriods at least 1")
        if self.past_weeks_not_included is not None and self.past_weeks_not_included < 0:
            raise ValueError("pastWeeksNotIncluded must not be negative")
        if self.powertrans not in ("2/3", "1/2", "none"):
            raise ValueError(f"powertrans must be '2/3', '1/2' or 'none', not {self.powertrans!r}")
        if self.threshold_method not in ("delta", "nbPlugin", "muan"):
            raise ValueError(
                f"thresholdMethod must be 'delta', 'nbPlugin' or 'muan', "
                f"not {self.threshold_method!r}"
            )
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, not {self.alpha}")

    @classmethod
    def noufaily(cls, **changes: Any) -> FarringtonParams:
        """The improved method: ``noPeriods=10, pastWeeksNotIncluded=26, pThresholdTrend=1,
        weightsThreshold=2.58, thresholdMethod="nbPlugin"`` (``?farringtonFlexible``, example)."""
        improved: dict[str, Any] = {
            "no_periods": 10,
            "past_weeks_not_included": 26,
            "p_threshold_trend": 1.0,
            "weights_threshold": 2.58,
            "threshold_method": "nbPlugin",
        }
        return cls(**{**improved, **changes})

    @property
    def excluded_weeks(self) -> int:
        return self.w if self.past_weeks_not_included is None else self.past_weeks_not_included


@dataclass(frozen=True)
class CountThresholdParams:
    """Alarm when a week's count reaches ``cases`` (1 for measles, AFP, confirmed cholera)."""

    cases: int = 1

    def __post_init__(self) -> None:
        if self.cases < 1:
            raise ValueError("cases must be at least 1")


@dataclass(frozen=True)
class MeningitisParams:
    """Alarm at ``cases`` a week under ``population`` people, else at ``per_100000`` per 100,000."""

    cases: int = 2
    population: int = 30_000
    per_100000: float = 5.0

    def __post_init__(self) -> None:
        if self.cases < 1 or self.population < 1 or self.per_100000 <= 0:
            raise ValueError("cases, population and per100000 must be positive")


@dataclass(frozen=True)
class DoublingParams:
    """Alarm when a week's count is at least ``factor`` times the count ``weeks`` weeks before and
    at least ``min_cases`` (so that 1 → 2 is no alarm)."""

    factor: float = 2.0
    weeks: int = 2
    min_cases: int = 3

    def __post_init__(self) -> None:
        if self.factor <= 1 or self.weeks < 1 or self.min_cases < 1:
            raise ValueError("factor must exceed 1, weeks and minCases must be at least 1")


@dataclass(frozen=True)
class AttackRateParams:
    """Alarm when the cases of the last ``weeks`` weeks (this one included) reach ``per_10000``
    per 10,000 people of the catchment population."""

    per_10000: float = 1.0
    weeks: int = 4

    def __post_init__(self) -> None:
        if self.per_10000 <= 0 or self.weeks < 1:
            raise ValueError("per10000 must be positive and weeks at least 1")


Params: TypeAlias = (
    EarsParams
    | FarringtonParams
    | CountThresholdParams
    | MeningitisParams
    | DoublingParams
    | AttackRateParams
)

METHODS: dict[str, type[Params]] = {
    "ears-c1": EarsParams,
    "ears-c2": EarsParams,
    "ears-c3": EarsParams,
    "farrington-flexible": FarringtonParams,
    "count-threshold": CountThresholdParams,
    "meningitis": MeningitisParams,
    "doubling": DoublingParams,
    "attack-rate": AttackRateParams,
}


def r_name(field: str) -> str:
    """The R (camelCase) spelling of a field: ``min_sigma`` → ``minSigma``; ``limit54`` stays."""
    head, *rest = field.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def params_from_dict(method: str, values: Mapping[str, Any]) -> Params:
    """The parameters of ``method`` from a rule file's ``params`` (R's names); unknown keys and
    keys of the wrong type are refused, naming them and the keys allowed."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(sorted(METHODS))}")
    cls = METHODS[method]
    fields = {r_name(f.name): f for f in dataclasses.fields(cls) if f.name != "method"}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for {method}; "
            f"allowed: {', '.join(sorted(fields))}"
        )
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        kwargs[fields[key].name] = _checked(method, key, fields[key].type, value)
    if cls is EarsParams:
        kwargs["method"] = method.removeprefix("ears-").upper()
    return cls(**kwargs)


def _checked(method: str, key: str, annotation: object, value: Any) -> Any:
    """The value as the field wants it; a bool is no number, a float with a fraction no int."""
    kind = str(annotation)
    wrong = ValueError(f"{method}: parameter {key} must be {kind}, not {value!r}")
    if kind.startswith("tuple"):
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise wrong
        return tuple(_checked(method, key, "int", v) for v in value)
    if value is None and "None" in kind:
        return None
    if kind.startswith("bool"):
        if not isinstance(value, bool):
            raise wrong
        return value
    if isinstance(value, bool):
        raise wrong
    if kind.startswith("int"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise wrong
        return value
    if kind.startswith("float"):
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise wrong
        return float(value)
    if not isinstance(value, str):
        raise wrong
    return value
