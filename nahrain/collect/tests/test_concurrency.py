"""Phones retry: the same submission arriving several times at once is stored exactly once,
and one Digest header is accepted once however many requests carry it at the same moment.

Real threads, each with its own database connection, on PostgreSQL (SQLite serialises writers,
so it would prove nothing).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from nahrain.collect.models import Submission, SubmissionAttachment
from nahrain.collect.tests.conftest import Field, assessment_values
from nahrain.collect.tests.odk import Collect, fill_instance

PHONES = 5


def _race(field: Field, bodies: list[bytes]) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def send(xml: bytes) -> int:
        try:
            phone = Collect(Client(), field.phone.username, field.phone.password)
            phone.request("HEAD", "/openrosa/submission")  # learn the Digest nonce first
            barrier.wait(timeout=30)
            return phone.post(xml, [("photo.jpg", "image/jpeg", b"J" * 2000)]).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


# Every transactional test restores what the migrations loaded (code lists, content types):
# a flush without it leaves content types recreated under new keys, and the next test that
# restores them collides.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_submission_five_times_at_once_is_stored_once(field: Field) -> None:
    xml = fill_instance(field.assessment.xml, assessment_values(), instance_id="uuid:race")
    codes = _race(field, [xml] * PHONES)
    assert sorted(codes) == [201] + [202] * (PHONES - 1)
    assert Submission.objects.filter(instance_id="uuid:race").count() == 1
    assert SubmissionAttachment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_instance_other_content_at_once_conflicts(field: Field) -> None:
    bodies = [
        fill_instance(
            field.assessment.xml,
            assessment_values(households=40, individuals=200 + n),
            instance_id="uuid:clash",
        )
        for n in range(PHONES)
    ]
    codes = _race(field, bodies)
    assert sorted(codes) == [201] + [409] * (PHONES - 1)
    assert Submission.objects.filter(instance_id="uuid:clash").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_digest_header_sent_five_times_at_once_is_accepted_once(field: Field) -> None:
    field.phone.request("HEAD", "/openrosa/submission")
    header = field.phone._authorization("GET", "/openrosa/formList")
    barrier = threading.Barrier(PHONES)

    def send(_: int) -> int:
        try:
            barrier.wait(timeout=30)
            response = Client().get("/openrosa/formList", headers={"Authorization": header})
            return int(response.status_code)
        finally:
            connection.close()

    with ThreadPoolExecutor(PHONES) as pool:
        codes = list(pool.map(send, range(PHONES)))
    assert sorted(codes) == [200] + [401] * (PHONES - 1)
