from __future__ import annotations

from nahrain.testing.permissions import Decision

REFERRAL_ENDPOINTS: tuple[Decision, ...] = ()
