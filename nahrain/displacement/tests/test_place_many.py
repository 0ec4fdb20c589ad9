"""A round naming more new places than SQLite takes parameters in one statement imports: the
places are looked up in batches under the database's own limit."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from nahrain.displacement.models import LocationAssessment
from nahrain.displacement.tests.builders import many_places, round_imported
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

# SQLite's limit, lowered (from 250,000 in common builds) under the 20,000 ids of a batch, to
# keep the file small; on PostgreSQL the same import runs as it is.
LIMIT = 1000


def test_more_new_places_than_sqlite_takes_parameters_import(
    personas: Personas, gazetteer: None
) -> None:
    connection.ensure_connection()
    raw = connection.connection
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, LIMIT)
    try:
        assessment_round = round_imported(personas, many_places(LIMIT + 200))
    finally:
        if sqlite:
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)
    assert LocationAssessment.objects.filter(round=assessment_round).count() == LIMIT + 200
