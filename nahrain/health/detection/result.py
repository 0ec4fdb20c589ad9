"""What every detection method returns, for many series at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Detection:
    """The outcome of a method on series x weeks arrays.

    ``upperbound`` is NaN where the method gives none. ``alarm`` is the count above the bound
    (``observed > upperbound``, as in ``surveillance``). ``assessed`` is where R's alarm is not NA:
    weeks outside the method's range are never assessed; EARS leaves its alarm NA where the bound or
    the count is NA, while ``farringtonFlexible`` says FALSE there. ``expected`` is Farrington's
    expected count (NaN where R reports none), None for the other methods.
    """

    upperbound: FloatArray
    alarm: BoolArray
    assessed: BoolArray
    expected: FloatArray | None = None


def as_series(counts: NDArray[np.floating] | NDArray[np.integer]) -> FloatArray:
    """Counts as a float series x weeks array; a single series (1-D) becomes one row."""
    array = np.asarray(counts, dtype=np.float64)
    if array.ndim == 1:
        return array[np.newaxis, :]
    if array.ndim != 2:
        raise ValueError(f"counts must be 1-D or 2-D (series x weeks), not {array.ndim}-D")
    return array


# Series handled at once by the whole-history methods: a few MB an array, so that their
# temporaries stay in cache instead of streaming 40,000-series arrays through memory each pass.
ROWS = 256


def by_rows(
    observed: FloatArray, part: Callable[[slice], Detection], first_column: int = 0
) -> Detection:
    """The Detection of all series from ``part(rows)``, the Detection of some series for the
    weeks from ``first_column`` on (the weeks before have no bound and are not assessed)."""
    # Filled block by block (each value written once: 40,000 x 520 is 166 MB an array).
    upper = np.empty(observed.shape)
    alarm = np.empty(observed.shape, dtype=bool)
    assessed = np.empty(observed.shape, dtype=bool)
    for start in range(0, len(observed), ROWS):
        rows = slice(start, start + ROWS)
        piece = part(rows)
        upper[rows, :first_column] = np.nan
        alarm[rows, :first_column] = False
        assessed[rows, :first_column] = False
        upper[rows, first_column:] = piece.upperbound
        alarm[rows, first_column:] = piece.alarm
        assessed[rows, first_column:] = piece.assessed
    return Detection(upperbound=upper, alarm=alarm, assessed=assessed)


def exceeding(observed: FloatArray, upper: FloatArray) -> Detection:
    """The alarm ``observed > upper`` where both are known (R's alarm is NA elsewhere)."""
    assessed = ~np.isnan(upper) & ~np.isnan(observed)
    with np.errstate(invalid="ignore"):
        alarm = assessed & (observed > upper)
    return Detection(upperbound=upper, alarm=alarm, assessed=assessed)
