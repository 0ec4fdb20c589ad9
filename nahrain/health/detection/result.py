"""What every detection method returns, for many series at once."""

from __future__ import annotations

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
