"""Where a 4W row is: its governorate, and whether two places overlap (one inside the other),
from one read of the admin units' tree per call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nahrain.geo.models import AdminUnit


class Tree:
    def __init__(self, unit_ids: Iterable[Any]) -> None:
        self.parent: dict[Any, Any] = {}
        self.level: dict[Any, int] = {}
        self._governorates: dict[Any, Any] = {}
        wanted = set(unit_ids)
        # Up to three steps up (subdistrict, district, governorate).
        for _ in range(4):
            missing = {u for u in wanted if u is not None and u not in self.parent}
            if not missing:
                break
            for pk, parent, level in AdminUnit.objects.filter(pk__in=missing).values_list(
                "pk", "parent_id", "level"
            ):
                self.parent[pk] = parent
                self.level[pk] = level
            wanted = {self.parent.get(u) for u in missing}

    def known(self, unit_id: Any) -> bool:
        return unit_id in self.level

    def ancestors(self, unit_id: Any) -> list[Any]:
        """The unit and the units above it, itself first."""
        chain = []
        while unit_id is not None and unit_id in self.level:
            chain.append(unit_id)
            unit_id = self.parent.get(unit_id)
        return chain

    def governorate(self, unit_id: Any) -> Any:
        if unit_id not in self._governorates:
            self._governorates[unit_id] = next(
                (found for found in self.ancestors(unit_id) if self.level[found] == 1), None
            )
        return self._governorates[unit_id]

    def overlap(self, a: Any, b: Any) -> bool:
        return a in self.ancestors(b) or b in self.ancestors(a)
