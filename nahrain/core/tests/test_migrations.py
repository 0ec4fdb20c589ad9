"""Authenticators set up before django-otp keep working after the move."""

from __future__ import annotations

import base64
import time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

BEFORE = [("core", "0002_audit_append_only")]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, as the old TotpDevice kept it


# Transactional, as migrating needs; restoring what the migrations loaded afterwards (see
# nahrain/collect/tests/test_concurrency.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirmed_authenticators_move_to_django_otp_with_their_codes_and_spent_step() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user_model, device_model = old.get_model("auth", "User"), old.get_model("core", "TotpDevice")
    step = int(time.time()) // 30
    admin = user_model.objects.create(username="old_admin")
    device_model.objects.create(
        user=admin, secret=SECRET, confirmed_at=timezone.now(), last_step=step
    )
    unfinished = user_model.objects.create(username="unfinished")
    device_model.objects.create(user=unfinished, secret=SECRET, confirmed_at=None)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = TOTPDevice.objects.get(user__username="old_admin")
    assert moved.confirmed
    assert moved.bin_key == base64.b32decode(SECRET)
    assert moved.last_t == step
    assert not TOTPDevice.objects.filter(user__username="unfinished").exists()
    # The code of the step already used before the move stays spent; the next one works.
    assert not moved.verify_token(f"{hotp(moved.bin_key, step):06d}")
    moved.throttle_reset()
    assert moved.verify_token(f"{hotp(moved.bin_key, step + 1):06d}")
