from __future__ import annotations

from nahrain.testing.permissions import Decision

DIRECTORY_ENDPOINTS: tuple[Decision, ...] = ()
