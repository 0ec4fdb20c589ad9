"""Two imports of one organisation naming the same new place at the same moment make one
location, both counting in it: an organisation's locations are one namespace, written under its
lock. Real threads, each with its own connection, on PostgreSQL (SQLite serialises writers)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection

from nahrain.displacement import services
from nahrain.displacement.models import LocationAssessment
from nahrain.displacement.tests.builders import Place, wide_csv
from nahrain.geo import services as geo_services
from nahrain.geo.models import Location
from nahrain.testing.personas import Personas

NEW = Place("99001", "Erbil", "Erbil", "Mobile clinic stop", 36.19, 44.01, 12)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_naming_one_new_place_at_once_make_one_location(personas: Personas) -> None:
    geo_services.gazetteer_load()
    rounds = [
        services.round_create(
            actor=personas.layla.user,
            organisation=personas.iom,
            number=number,
            reference_date=date(2017, 1, number - 89),
        )
        for number in (90, 91)  # rounds of the wide format the builder writes
    ]
    barrier = threading.Barrier(len(rounds))

    def load(index: int) -> str:
        try:
            barrier.wait(timeout=30)
            services.round_import(
                actor=personas.layla.user,
                assessment_round=rounds[index],
                data=wide_csv([NEW]),
                file=f"race-{index}.csv",
                population="idp",
            )
            return "ok"
        except Exception as failed:  # the test reports what went wrong, not a thread trace
            return repr(failed)
        finally:
            connection.close()

    with ThreadPoolExecutor(len(rounds)) as pool:
        assert list(pool.map(load, range(len(rounds)))) == ["ok", "ok"]
    [location] = Location.objects.filter(external_id="99001")
    assert location.owner == personas.iom
    counted = LocationAssessment.objects.filter(location=location).values_list("round_id")
    assert sorted(r for (r,) in counted) == sorted(r.pk for r in rounds)
