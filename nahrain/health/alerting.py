"""Placeholder replaced by the alert rules (being written): keeps the reports' services
importable until then."""

from __future__ import annotations

from nahrain.health.models import EwarnReport, ImmediateReport


def report_evaluated(*, report: EwarnReport, resent: bool) -> None:
    raise NotImplementedError


def immediate_received(*, immediate: ImmediateReport) -> None:
    raise NotImplementedError
