"""The referrals slice of ``nahrain demo``: the partners' service points in Duhok, Ninewa and
Kirkuk, referrals at every status over the last months between them, and protection cases whose
GBV details reach nobody but the workers assigned to them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from nahrain.demo.slices import Demo
from nahrain.displacement import generator
from nahrain.referrals import access, codelists, selectors
from nahrain.referrals import demo as referrals_demo
from nahrain.referrals.models import (
    Case,
    CaseAssignment,
    MobileVisit,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServicePointVersion,
)
from nahrain.registry import demo as registry_demo
from nahrain.registry.models import Document


def _load(folder: Path) -> None:
    """The demo, its DTM history left out and the registry out of camp alone (the slices
    before this one have tests of their own)."""
    with (
        mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()),
        mock.patch.object(registry_demo, "CAMPS", ("no.such.camp",)),
    ):
        call_command("demo", "setup", "--boundaries", str(folder))


def test_the_slice_loads_the_directory_referrals_and_cases(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One load for every check: the demo takes a while.
    _load(tmp_path)
    printed = capsys.readouterr().out
    points_in_each_governorate(printed)
    referrals_at_every_status()
    gbv_cases_reach_their_assigned_workers_alone()
    legal_cases_write_documents_to_the_registry()
    # Loaded again, the slice leaves what it made alone.
    count = Referral.objects.count()
    said: list[str] = []
    referrals_demo.demo_load(Demo(options={"seed": 1}, write=said.append))
    assert said == ["Referrals: already present, left alone."]
    assert Referral.objects.count() == count


def points_in_each_governorate(printed: str) -> None:
    """The partners' points are published in each governorate."""
    line = next(line for line in printed.splitlines() if line.startswith("Referrals: "))
    assert "service points published" in line and "protection cases" in line
    current = ServicePointVersion.objects.filter(status="current").select_related(
        "admin_unit", "point__organisation"
    )
    by_governorate = Counter(v.admin_unit.pcode[:5] for v in current)
    assert by_governorate["IQG09"] >= 6 and by_governorate["IQG15"] >= 10
    assert by_governorate["IQG13"] >= 4
    assert set(codelists.codes("point_kinds")) == {v.kind for v in current}
    assert {v.point.organisation.acronym for v in current} == {
        "IOM",
        "MdM",
        "IMC",
        "INTERSOS",
        "DAMA",
        "DoH-Duhok",
        "DoH-Ninewa",
        "DoH-Kirkuk",
    }
    for version in current:
        assert version.offers.exists() and version.hours and version.languages, version
        assert version.published_by is not None
    # Women and girls' safe spaces serve women and girls; the mobile teams visit on weekdays.
    for version in current.filter(kind="womens_centre"):
        assert {tuple(o.sexes) for o in version.offers.all()} == {("f",)}
    teams = current.filter(kind="mobile_team")
    assert teams.count() >= 4
    visits = MobileVisit.objects.filter(version__in=teams)
    assert visits.exists() and all(set(v.weekdays) <= {1, 2, 3, 4, 7} for v in visits)
    # One entry edited since it was first published, one point still a draft.
    assert ServicePointVersion.objects.filter(status="archived").count() == 1
    draft = ServicePointVersion.objects.get(status="draft")
    assert not draft.point.versions.filter(status="current").exists()


def referrals_at_every_status() -> None:
    """Referrals reach every status, in the last months."""
    statuses = Counter(Referral.objects.values_list("status", flat=True))
    assert set(statuses) == set(ReferralStatus.values), statuses
    now = timezone.now()
    earliest = now - timedelta(days=200)
    assert not Referral.objects.exclude(sent_at__range=(earliest, now)).exists()
    assert not ReferralEvent.objects.exclude(at__range=(earliest, now)).exists()
    # Registry people, people met by the partners, people of cases.
    assert Referral.objects.filter(individual__isnull=False).count() >= 20
    assert Referral.objects.filter(individual__isnull=True, case__isnull=True).count() >= 20
    assert Referral.objects.filter(case__type="gbv").exists()
    # Some unanswered past their time, some whose consent was narrowed, withdrawn or ended.
    assert Referral.objects.filter(status="sent", respond_by__lt=now).exists()
    assert ReferralEvent.objects.filter(status="consent_narrowed").exists()
    assert ReferralEvent.objects.filter(status="consent_withdrawn").exists()
    today = timezone.localdate()
    open_ = Referral.objects.filter(status__in=("accepted", "appointment", "acknowledged"))
    assert any(not access.consent_in_force(r, today) for r in open_)
    # Every referral is received by someone: its organisation has a member who handles it.
    for referral in Referral.objects.select_related("to_organisation"):
        role = codelists.handled_by(referral.service)
        assert referral.to_organisation.memberships.filter(role=role).exists(), referral.service
    # The steps were the receiving side's and the sender's, as the rules allow.
    declined = Referral.objects.filter(status="declined")
    assert declined.exists() and all(r.decline_reason for r in declined)
    assert not Referral.objects.filter(status="appointment", appointment_on__isnull=True).exists()


def gbv_cases_reach_their_assigned_workers_alone() -> None:
    """Nothing of a GBV case reaches anyone but the workers assigned to it."""
    gbv = list(Case.objects.filter(type="gbv"))
    assert len(gbv) >= 3
    users = list(User.objects.all())
    received: set[str] = set()
    for case in gbv:
        assigned = set(
            CaseAssignment.objects.filter(case=case, ended_at__isnull=True).values_list(
                "user__username", flat=True
            )
        )
        assert assigned and case.name == "" and case.phone == ""
        readers = {
            u.username for u in users if access.cases_readable(u).filter(pk=case.pk).exists()
        }
        assert readers == assigned, case.code
        for referral in Referral.objects.filter(case=case):
            for user in users:
                sides = access.referral_sides(user, referral)
                if access.SENDER in sides:
                    assert user.username in assigned
                elif sides:
                    # The receiving side: the consented fields at most, never the case.
                    shown = selectors.referral_shown(user=user, referral=referral, sides=sides)
                    assert set(shown.person) <= set(referral.consent.fields)
                    assert not access.cases_readable(user).filter(pk=case.pk).exists()
                    received.add(user.username)
    # The referrals made from them reached another organisation's workers, without the case.
    assert received
    # INTERSOS's other workers read none of them: its case worker, admin-like roles, mappers.
    for username in ("shilan.case", "rebin.map", "karim.reg", "admin", "layla.im"):
        user = User.objects.get(username=username)
        assert not access.cases_readable(user).filter(type__in=("gbv", "mhpss")).exists()


def legal_cases_write_documents_to_the_registry() -> None:
    """Legal documentation cases write the documents obtained to the registry."""
    legal = Case.objects.filter(type="legal_documentation", individual__isnull=False)
    assert legal.count() >= 2
    obtained = legal.filter(entries__kind="document_obtained")
    for case in obtained:
        assert case.individual is not None
        assert Document.objects.get(individual=case.individual, kind="civil_id").held
    assert Case.objects.filter(type="mhpss").exists()
    assert Case.objects.filter(type="child_protection").exists()
