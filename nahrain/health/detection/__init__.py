"""Outbreak detection for EWARN (issue 18): fixed alert rules and the statistical methods of the
R package ``surveillance`` (EARS C1-C3, farringtonFlexible), on series x weeks arrays."""

from .ears import ears_c
from .farrington import farrington_flexible, reference_pattern
from .fixed import attack_rate, count_threshold, doubling, meningitis
from .params import (
    METHODS,
    AttackRateParams,
    CountThresholdParams,
    DoublingParams,
    EarsParams,
    FarringtonParams,
    MeningitisParams,
    Params,
    params_from_dict,
)
from .result import Detection

__all__ = [
    "METHODS",
    "AttackRateParams",
    "CountThresholdParams",
    "Detection",
    "DoublingParams",
    "EarsParams",
    "FarringtonParams",
    "MeningitisParams",
    "Params",
    "attack_rate",
    "count_threshold",
    "doubling",
    "ears_c",
    "farrington_flexible",
    "meningitis",
    "params_from_dict",
    "reference_pattern",
]
