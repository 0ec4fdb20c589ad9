"""The assistance slice of ``nahrain demo``: IOM's programmes of the 2018 appeal on the demo
registry, a list approved by a second officer, distributions with their receipts (absent,
proxies, one late duplicate), the rental subsidy's three cycles, a PDM sample interviewed, and
this winter's list waiting for approval with its exclusions in words."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

from nahrain.assistance import demo as assistance_demo
from nahrain.assistance.exclusions import exclusion_words
from nahrain.assistance.models import (
    DistributionList,
    ListEntry,
    ListStatus,
    MonitoringAnswer,
    Outcome,
    Payment,
    PaymentBatch,
    PaymentStatus,
    Programme,
    Receipt,
)
from nahrain.demo.slices import Demo
from nahrain.displacement import generator
from nahrain.registry import demo as registry_demo


def _load(folder: Path) -> None:
    """The demo, its DTM history left out and the registry's camps one (the slices before this
    one have tests of their own)."""
    with (
        mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()),
        mock.patch.object(registry_demo, "CAMPS", registry_demo.CAMPS[:1]),
    ):
        call_command("demo", "setup", "--boundaries", str(folder))


@pytest.mark.shared_data
def test_the_slice_runs_iom_programmes_from_rules_to_receipts_and_monitoring(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(tmp_path)
    printed = capsys.readouterr().out
    assert "Assistance: 6 IOM programmes" in printed
    winter = Programme.objects.get(code="IOM-NFI-W25")
    approved = DistributionList.objects.get(programme=winter, status=ListStatus.APPROVED)
    # Approved by the second officer, never the builder.
    assert approved.built_by is not None and approved.approved_by is not None
    assert approved.built_by.username == assistance_demo.BUILDER
    assert approved.approved_by.username == assistance_demo.APPROVER
    # Most households agreed to assistance; those who did not are on the list, excluded.
    assert approved.households > approved.excluded > 0
    assert set(
        ListEntry.objects.filter(list=approved, included=False).values_list(
            "excluded_by", flat=True
        )
    ) <= {"no_consent", "household_inactive", "duplicate_on_list"}
    receipts = Receipt.objects.filter(programme=winter)
    outcomes = set(receipts.values_list("outcome", flat=True))
    assert {Outcome.RECEIVED, Outcome.PROXY, Outcome.ABSENT} <= outcomes
    assert not receipts.filter(outcome=Outcome.PROXY, proxy_name="").exists()
    late = receipts.get(duplicate_of__isnull=False)
    assert not late.served
    # Served once per household and cycle.
    served = receipts.filter(served=True)
    assert served.count() == served.values("household").distinct().count()
    # The rental subsidy's first two monthly transfers reconciled from Zain Cash's report (paid
    # is the household's receipt), the third waiting for it.
    rent = Programme.objects.get(code="IOM-RENT-26")
    paid = Receipt.objects.filter(programme=rent, outcome=Outcome.PAID, served=True)
    assert set(paid.values_list("cycle", flat=True)) == {1, 2}
    batches = PaymentBatch.objects.filter(programme=rent).order_by("cycle")
    assert [b.reconciled_at is not None for b in batches] == [True, True, False]
    assert Payment.objects.filter(batch__in=batches, status=PaymentStatus.FAILED).exists()
    assert MonitoringAnswer.objects.filter(sampled__sample__distribution__programme=winter).exists()
    # This winter's list waits for the second officer; its exclusions have words in each
    # language the hotline speaks.
    pending = DistributionList.objects.get(programme__code="IOM-NFI-W26")
    assert pending.status == ListStatus.CHECKED
    rules = set(
        ListEntry.objects.filter(list=pending, included=False).values_list("excluded_by", flat=True)
    )
    assert {"served_recently", "not_with"} <= rules
    entry = ListEntry.objects.filter(list=pending, excluded_by="served_recently").first()
    assert entry is not None
    for language in ("en", "ar", "ckb"):
        assert exclusion_words(entry, entry.exclusion, language)
    # Loaded again, the slice leaves what it made alone.
    said: list[str] = []
    assistance_demo.demo_load(Demo(options={"seed": 1}, write=said.append))
    assert said == ["Assistance: already present, left alone."]
