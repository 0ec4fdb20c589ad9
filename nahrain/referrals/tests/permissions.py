"""The referrals app's rows of the permission matrix (nahrain/testing/permissions.py): the
service directory's, the referrals' and the cases', each kept beside its builders."""

from __future__ import annotations

from nahrain.referrals.tests.permissions_cases import CASE_ENDPOINTS
from nahrain.referrals.tests.permissions_directory import DIRECTORY_ENDPOINTS
from nahrain.referrals.tests.permissions_referrals import REFERRAL_ENDPOINTS
from nahrain.testing.permissions import Decision

ENDPOINTS: tuple[Decision, ...] = DIRECTORY_ENDPOINTS + REFERRAL_ENDPOINTS + CASE_ENDPOINTS
