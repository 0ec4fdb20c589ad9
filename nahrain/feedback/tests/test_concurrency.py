"""A hotline export imported twice at once, or a field form sent again while the first send is
still being saved, records each call once: several connections, each in its own thread, receive
the same source key at the same moment on PostgreSQL (SQLite serialises writers, so there is no
race to lose there). Every caller gets the one item; none is refused, none deadlocks."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from nahrain.feedback.models import Feedback, FeedbackRollup
from nahrain.feedback.tests.world import World

SENDERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_source_key_received_at_once_records_one_item(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    barrier = threading.Barrier(SENDERS)

    def send(sender: int) -> str:
        try:
            barrier.wait(timeout=30)
            item = world.receive(channel="hotline", source_key="IIC-2026-7777")
            return item.reference
        except Exception as failed:  # the test reports what went wrong, not a thread trace
            return repr(failed)
        finally:
            connection.close()

    with ThreadPoolExecutor(SENDERS) as pool:
        references = list(pool.map(send, range(SENDERS)))
    item = Feedback.objects.get(source_key="IIC-2026-7777")
    assert references == [item.reference] * SENDERS
    assert FeedbackRollup.objects.get(organisation=world.iom).received == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
