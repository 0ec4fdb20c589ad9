from __future__ import annotations

from nahrain.testing.permissions import Decision

CASE_ENDPOINTS: tuple[Decision, ...] = ()
