"""Every published form, loaded with its media by a real XForms engine (ODK Web Forms' engine,
``@getodk/xforms-engine``, run by node), filled, serialised and sent to the OpenRosa endpoint
as a phone or browser would: what our own test instances (``odk.fill_instance``) cannot show,
such as media an engine refuses (headers that are not XML names) or expressions it cannot read.

Skipped without node or the engine (``npm ci`` in ``engine/``, which ``dev.py test`` runs when
npm is present); ``NAHRAIN_REQUIRE_ENGINE=1`` (CI) makes that a failure instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree as safe_xml
import pytest

from nahrain.collect import handlers, services
from nahrain.collect.models import KeyInformant, Submission, SubmissionStatus
from nahrain.collect.tests.conftest import Field, assessment_values
from nahrain.geo.models import AdminUnit
from nahrain.sites import services as site_services
from nahrain.testing.personas import Personas

ENGINE = Path(__file__).resolve().parent / "engine"
XFORMS_LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"

# What the engine fills in, per form; every registered form needs an entry.
VALUES: dict[str, dict[str, Any]] = {
    "dtm_location_assessment": assessment_values(),
    "dtm_emergency_tracking": {
        "event": "Sinjar 2024",
        "date": "2024-07-02",
        "governorate": "IQG09",
        "district": "IQG09Q04",
        "location": "7001",
        "population": "idp",
        "direction": "arrival",
        "households": 12,
        "cause": "Insecurity",
        "ki_name": "Khalid Hasan",
        "ki_phone": "+964 750 123 4567",
    },
    "cccm_movement_log": {
        "site": "IQ-ENGINE-1",
        "date": "2024-07-02",
        "kind": "arrival",
        "households": 3,
        "individuals": 14,
        "place": "out_of_camp",
        "governorate": "IQG15",
        "reason": "Insecurity",
    },
    "cccm_headcount": {"site": "IQ-ENGINE-1", "date": "2024-07-01", "households": 40},
}


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None or not (ENGINE / "node_modules" / "@getodk" / "xforms-engine").is_dir():
        message = f"needs node and `npm ci` in {ENGINE}"
        if os.environ.get("NAHRAIN_REQUIRE_ENGINE") == "1":
            pytest.fail(f"NAHRAIN_REQUIRE_ENGINE=1 but it {message}")
        pytest.skip(message)
    return found


def _path(url: str) -> str:
    return urlsplit(url).path


def _download(field: Field, form_id: str, into: Path) -> Path:
    """What ODK Collect does: the form list, the form, its manifest and each media file."""
    listed = safe_xml.fromstring(field.phone.get(f"/openrosa/formList?formID={form_id}").content)
    (entry,) = listed.iter(f"{XFORMS_LIST}xform")
    form = into / f"{form_id}.xml"
    download = entry.findtext(f"{XFORMS_LIST}downloadUrl", "")
    form.write_bytes(field.phone.get(_path(download)).content)
    manifest_url = entry.findtext(f"{XFORMS_LIST}manifestUrl")
    if manifest_url:
        manifest = safe_xml.fromstring(field.phone.get(_path(manifest_url)).content)
        for media in manifest.iter(f"{MANIFEST}mediaFile"):
            name = media.findtext(f"{MANIFEST}filename", "")
            url = media.findtext(f"{MANIFEST}downloadUrl", "")
            (into / name).write_bytes(field.phone.get(_path(url)).content)
    return form


def _run(node: str, form: Path, values: dict[str, Any], *args: str) -> bytes:
    given = form.parent / "values.json"
    given.write_text(json.dumps(values), encoding="utf-8")
    filled = subprocess.run(
        [node, str(ENGINE / "fill.mjs"), str(form), str(form.parent), str(given), *args],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert filled.returncode == 0, filled.stderr.decode()
    return filled.stdout


# Forms whose engine test lives with their app (their values need the app's own objects).
TESTED_WITH_THEIR_APP = {
    "cccm_site_monitoring": "nahrain/sites/tests/test_monitor_fieldforms.py",
    "cccm_rasp": "nahrain/sites/tests/test_monitor_fieldforms.py",
    "household_registration": "nahrain/registry/tests/test_fieldforms.py",
    "health_ewarn_weekly": "nahrain/health/tests/test_fieldforms.py",
    "health_immediate_alert": "nahrain/health/tests/test_fieldforms.py",
    "health_consultations": "nahrain/health/tests/test_fieldforms_consultations.py",
    "assistance_pdm": "nahrain/assistance/tests/test_pdm_form.py",
    "assistance_distribution": "nahrain/assistance/tests/test_distribution_form.py",
    "feedback_helpdesk": "nahrain/feedback/tests/test_helpdesk_form.py",
}


def test_every_registered_form_has_engine_values() -> None:
    assert {h.form_id for h in handlers.all_handlers()} == set(VALUES) | set(TESTED_WITH_THEIR_APP)


@pytest.mark.parametrize("form_id", sorted(VALUES))
def test_the_engine_fills_each_published_form_and_the_server_takes_it(
    form_id: str, field: Field, personas: Personas, node: str, tmp_path: Path
) -> None:
    # The CCCM forms choose one of the organisation's sites: IOM gets one, and its media.
    site_services.site_create(
        actor=personas.layla.user,
        organisation=personas.iom,
        code="IQ-ENGINE-1",
        name_en="Engine camp",
        type="camp",
        admin_unit=AdminUnit.objects.get(pcode="IQG09"),
    )
    services.forms_publish(actor=personas.layla.user, organisation=personas.iom)
    form = _download(field, form_id, tmp_path)
    response = field.phone.post(_run(node, form, VALUES[form_id]))
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(form__form_id=form_id)
    assert submission.problems == []
    assert submission.data["households"] == str(VALUES[form_id]["households"])
    handler = handlers.handler_for(form_id)
    assert handler is not None
    if handler.personal:  # the forms that ask a key informant keep them apart
        assert "ki_phone" not in submission.data and b"750 123" not in submission.xml.encode()
        assert KeyInformant.objects.get(submission=submission).phone == "+964 750 123 4567"
    accepted = services.submission_accept(actor=personas.layla.user, submission=submission)
    assert accepted.status == SubmissionStatus.ACCEPTED and accepted.accepted


def test_what_each_population_is_asked(field: Field, node: str, tmp_path: Path) -> None:
    """IDPs give their periods of displacement and governorates of origin; returnees the
    governorates they were last displaced in; nothing of it before the population is chosen."""
    form = _download(field, "dtm_location_assessment", tmp_path)
    names = ("period", "origin", "origin_of_idps", "origin_of_returnees")

    def asked(population: str) -> dict[str, bool]:
        given = {"population": population} if population else {}
        relevance = json.loads(_run(node, form, given, "--relevance"))
        return {name: relevance[name] for name in names}

    assert asked("") == dict.fromkeys(names, False)
    assert asked("idp") == {
        "period": True,
        "origin": True,
        "origin_of_idps": True,
        "origin_of_returnees": False,
    }
    assert asked("returnee") == {
        "period": False,
        "origin": True,
        "origin_of_idps": False,
        "origin_of_returnees": True,
    }
