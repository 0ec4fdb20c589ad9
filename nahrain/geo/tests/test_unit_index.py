"""The in-memory unit index answers exactly what the alias query answers."""

from __future__ import annotations

import pytest

from nahrain.geo import selectors, services
from nahrain.geo.models import AdminUnit, Alias


@pytest.mark.django_db
def test_index_resolves_every_spelling_as_the_query_does() -> None:
    services.gazetteer_load()
    index = selectors.AdminUnitIndex()
    spellings = {text for text in Alias.objects.values_list("name", flat=True)}
    spellings |= {"Dahuk", "دهوك", "IQ-G07", "Al-Amadiya", "Beygee", "nowhere", "  "}
    governorates = list(AdminUnit.objects.filter(level=1))
    assert len(spellings) > 200
    for text in sorted(spellings):
        for level in (None, 1, 2):
            expected = selectors.admin_unit_candidates(text, level=level)
            assert index.candidates(text, level=level) == expected, (text, level)
        for governorate in governorates[:2]:
            expected = selectors.admin_unit_candidates(text, level=2, within=governorate)
            got = index.candidates(text, level=2, within=governorate)
            assert got == expected, (text, governorate.pcode)
