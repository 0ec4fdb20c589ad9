"""Loading the versioned code lists and finding the one a round uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nahrain.displacement.models import CodeItem, CodeList, CodeListKind

CODELISTS_PATH = Path(__file__).resolve().parent / "data" / "codelists.json"


def codelists_load(
    data: dict[str, Any] | None = None,
    *,
    list_model: Any = CodeList,
    item_model: Any = CodeItem,
) -> int:
    """Create or update every code list and item from ``codelists.json``; returns items written.

    Runs from a data migration (with the migration's historical models) and again whenever the
    file changes (``nahrain dtm codelists``).
    """
    data = data or json.loads(CODELISTS_PATH.read_text(encoding="utf-8"))
    written = 0
    for spec in data["lists"]:
        code_list, _ = list_model.objects.update_or_create(
            kind=spec["kind"],
            version=spec["version"],
            defaults={
                "first_round": spec["first_round"],
                "last_round": spec["last_round"],
                "title": spec["title"],
            },
        )
        for position, item in enumerate(spec["items"]):
            item_model.objects.update_or_create(
                code_list=code_list,
                code=item["code"],
                defaults={
                    "position": position,
                    "group": item.get("group", ""),
                    "label_en": item["label_en"],
                    "label_ar": item.get("label_ar", ""),
                    "label_ckb": item.get("label_ckb", ""),
                    "headers": item.get("headers", []),
                    "start": date.fromisoformat(item["start"]) if item.get("start") else None,
                    "end": date.fromisoformat(item["end"]) if item.get("end") else None,
                },
            )
            written += 1
    return written


@dataclass(frozen=True)
class RoundCodes:
    """The code lists in force for one round."""

    shelter: list[CodeItem]
    period: list[CodeItem]
    groups: list[CodeItem]

    def shelter_group_of(self) -> dict[str, str]:
        return {item.code: item.group for item in self.shelter}

    def period_for(self, day: date) -> CodeItem | None:
        for item in self.period:
            if (item.start is None or item.start <= day) and (item.end is None or day < item.end):
                return item
        return None


def _list_for(kind: str, round_number: int) -> list[CodeItem]:
    code_list = (
        CodeList.objects.filter(kind=kind, first_round__lte=round_number)
        .exclude(last_round__lt=round_number)
        .order_by("-first_round")
        .first()
    )
    if code_list is None:
        return []
    return list(code_list.items.order_by("position"))


def codes_for_round(round_number: int) -> RoundCodes:
    """The shelter, period and shelter-group lists valid in that round."""
    return RoundCodes(
        shelter=_list_for(CodeListKind.SHELTER, round_number),
        period=_list_for(CodeListKind.PERIOD, round_number),
        groups=_list_for(CodeListKind.SHELTER_GROUP, round_number),
    )
