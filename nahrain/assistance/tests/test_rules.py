"""The rules document: what it accepts, and the words it refuses with (which key, what rule)."""

from __future__ import annotations

from typing import Any

import pytest

from nahrain.assistance import rules

NFI = {"items": [{"item": "nfi_kit", "quantity": 1}]}


def problems_of(document: Any, **programme: str) -> dict[str, str]:
    with pytest.raises(rules.RulesInvalid) as raised:
        rules.parse(document, **programme)
    return {k: " ".join(v) for k, v in raised.value.message_dict.items()}


def test_a_return_package_of_440_dollars_per_household_is_read_with_its_defaults(db: None) -> None:
    book = rules.parse(
        {"entitlement": {"amount": "440", "currency": "USD"}}, currency="USD", modality="cash"
    )
    assert book.eligible.statuses == ("active",)
    assert book.entitlement(1) == {"amount": "440.00", "currency": "USD"}
    assert book.entitlement(12) == {"amount": "440.00", "currency": "USD"}


def test_kits_by_household_size_give_each_size_its_bracket_and_none_outside(db: None) -> None:
    book = rules.parse(
        {
            "eligible": {"size_max": 9},
            "entitlement": {
                "by_size": [
                    {"size_min": 1, "size_max": 5, **NFI},
                    {
                        "size_min": 6,
                        "size_max": None,
                        "items": [{"item": "nfi_kit", "quantity": 2}],
                    },
                ]
            },
        },
        modality="in_kind",
    )
    assert book.entitlement(5) == NFI
    assert book.entitlement(6) == {"items": [{"item": "nfi_kit", "quantity": 2}]}
    assert book.entitlement(10) is None
    assert rules.sizes_text(book) == "1-5, 6-9"


def test_a_document_with_mistakes_is_refused_naming_each_key(db: None) -> None:
    found = problems_of(
        {
            "eligible": {"places": ["IQG99"], "head_sex": "x", "statuses": ["merged"], "colour": 1},
            "entitlement": {
                "by_size": [
                    {"size_min": 1, "size_max": 5, "amount": "220.001", "currency": "USD"},
                    {"size_min": 4, "size_max": None, "amount": "300", "currency": "IQD"},
                ]
            },
            "exclusions": [
                {"rule": "served_recently", "kinds": ["sealing_off_kit"], "days": 0},
                {"rule": "never", "kinds": []},
            ],
        },
        currency="USD",
        modality="cash",
    )
    assert set(found) == {
        "eligible",
        "eligible.places",
        "eligible.head_sex",
        "eligible.statuses",
        "entitlement.by_size[0].amount",
        "entitlement.by_size[1].currency",
        "entitlement.by_size[1].size_min",
        "exclusions[0].days",
        "exclusions[1].rule",
    }
    assert "IQG99" in found["eligible.places"]
    assert "overlap" in found["entitlement.by_size[1].size_min"]
    assert "USD" in found["entitlement.by_size[1].currency"]


def test_a_cash_programme_gives_amounts_and_an_in_kind_one_items(db: None) -> None:
    assert "entitlement" in problems_of({"entitlement": NFI}, modality="cash")
    found = problems_of({"entitlement": {"amount": "10", "currency": "USD"}}, modality="in_kind")
    assert "entitlement" in found


def test_rules_without_an_entitlement_say_so(db: None) -> None:
    assert "entitlement" in problems_of({"eligible": {}})
    assert "document" in problems_of([])
