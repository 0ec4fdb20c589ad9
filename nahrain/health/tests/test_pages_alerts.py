"""The alert pages as the surveillance officers work them: a measles case in Chameshku's week
raises an alert in Zakho; faris, Duhok's surveillance officer, finds it on the list (open first,
flagged once past its time to be verified) and on the map, reads what raised it, and takes it
step by step to closed, with a note where one is needed. muna (Ninewa), ahmed and outsider get
the 404 of a missing alert; layla reads it without the buttons. A facility whose reports the
reader does not read is counted, never named."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from nahrain.health.forms import week_ended
from nahrain.health.models import Alert
from nahrain.health.tests.builders import HealthWorld, facility, week_report
from nahrain.health.tests.test_pages_facilities import CODES, visible_text
from nahrain.testing.personas import Personas

MISSING = "/health/alerts/00000000-0000-0000-0000-000000000001/"


def _measles(health: HealthWorld, personas: Personas) -> Alert:
    week_report(health.chameshku_phcc, *week_ended(), by=personas.hana.user, measles=1)
    return Alert.objects.get(disease="measles")


def _steps(html: str) -> list[str]:
    return re.findall(r'class="step-form" data-step="(\w+)"', html)


def test_a_surveillance_officer_finds_the_alert_on_the_list_and_the_map(
    personas: Personas, health: HealthWorld
) -> None:
    alert = _measles(health, personas)
    # The week was sent on time, days ago: the alert is still within its time to be verified.
    Alert.objects.filter(pk=alert.pk).update(verify_by=timezone.now() + timedelta(hours=20))
    html = health.faris.client().get("/health/alerts/").content.decode()
    text = visible_text(html)
    assert "Suspected measles" in text and "Zakho" in text and "New" in text
    config = re.search(r'id="health-map-config"[^>]*>(.*?)</script>', html, flags=re.S)
    assert config is not None
    features = json.loads(config.group(1))["points"]["features"]
    assert [f["properties"]["uid"] for f in features] == [str(alert.uid)]
    assert features[0]["geometry"]["coordinates"] == [alert.district.lon, alert.district.lat]
    assert "Not verified in time" not in text

    Alert.objects.filter(pk=alert.pk).update(verify_by=timezone.now() - timedelta(hours=1))
    text = visible_text(health.faris.client().get("/health/alerts/").content.decode())
    assert "Not verified in time" in text
    assert "1 alert waits past its time to be verified" in " ".join(text.split())


def test_the_alert_list_filters_by_disease_governorate_and_status(
    personas: Personas, health: HealthWorld
) -> None:
    alert = _measles(health, personas)
    faris = health.faris.client()

    def listed(**query: str) -> bool:
        return str(alert.uid) in faris.get("/health/alerts/", query).content.decode()

    assert listed(disease="measles") and not listed(disease="cholera")
    assert listed(governorate="IQG09") and not listed(governorate="IQG15")
    assert listed(status="new") and not listed(status="closed")
    Alert.objects.filter(pk=alert.pk).update(status="closed")
    assert not listed() and listed(status="all") and listed(status="closed")


def test_an_alert_walks_from_new_to_closed_with_notes(
    personas: Personas, health: HealthWorld
) -> None:
    alert = _measles(health, personas)
    faris = health.faris.client()
    url = f"/health/alerts/{alert.uid}/"
    html = faris.get(url).content.decode()
    text = " ".join(visible_text(html).split())
    assert "Chameshku camp PHCC" in text and "Case reported at once" not in text
    assert "Cases at or above the alert threshold" in text
    assert _steps(html) == ["verified", "discarded"]
    assert "no-store" in faris.get(url)["Cache-Control"]

    refused = faris.post(f"{url}step/", {"to": "discarded", "note": " "})
    assert refused.status_code == 200
    assert re.search(
        r'data-step="discarded".*?class="errorlist', refused.content.decode(), flags=re.S
    )
    alert.refresh_from_db()
    assert alert.status == "new"

    for step, note in (
        ("verified", "Called the PHCC: rash and fever in a 4-year-old, unvaccinated"),
        ("investigated", "Team visited block C; two more contacts with fever"),
        ("response", "Vaccination of contacts under 15 started"),
        ("closed", "No new case in 21 days"),
    ):
        response = faris.post(f"{url}step/", {"to": step, "note": note})
        assert response.status_code == 302, (step, response.content.decode()[:2000])
        alert.refresh_from_db()
        assert alert.status == step
    html = faris.get(url).content.decode()
    text = " ".join(visible_text(html).split())
    assert "No new case in 21 days" in text and "faris" in text
    assert _steps(html) == []
    assert list(alert.events.values_list("status", flat=True))[-4:] == [
        "verified",
        "investigated",
        "response",
        "closed",
    ]


def test_a_step_not_allowed_now_is_refused(personas: Personas, health: HealthWorld) -> None:
    alert = _measles(health, personas)
    response = health.faris.client().post(
        f"/health/alerts/{alert.uid}/step/", {"to": "closed", "note": "Too early"}
    )
    assert response.status_code == 200
    assert "From New an alert goes to" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "new"


def test_readers_who_do_not_work_an_alert_see_no_buttons_and_cannot_step_it(
    personas: Personas, health: HealthWorld
) -> None:
    alert = _measles(health, personas)
    for reader in (personas.layla, personas.hana):
        client = reader.client()
        html = client.get(f"/health/alerts/{alert.uid}/").content.decode()
        assert "Suspected measles" in html and _steps(html) == []
        step = client.post(f"/health/alerts/{alert.uid}/step/", {"to": "verified"})
        assert step.status_code == 404
    alert.refresh_from_db()
    assert alert.status == "new"


def test_others_get_the_404_of_a_missing_alert(personas: Personas, health: HealthWorld) -> None:
    alert = _measles(health, personas)
    for other in (health.muna, personas.ahmed, personas.outsider):
        client = other.client()
        assert client.get(MISSING).status_code == 404
        assert client.get(f"/health/alerts/{alert.uid}/").status_code == 404, other.user.username
        assert (
            client.post(f"/health/alerts/{alert.uid}/step/", {"to": "verified"}).status_code == 404
        )
        assert str(alert.uid) not in client.get("/health/alerts/").content.decode()


def test_a_facility_whose_reports_the_reader_does_not_read_is_counted_not_named(
    personas: Personas, health: HealthWorld
) -> None:
    other = facility(
        personas.intersos,
        health.ninewa_doh,
        code="PHCC-ZAK-2",
        name_en="Zakho town clinic",
        district="IQG09Q04",
    )
    alert = _measles(health, personas)
    week_report(other, *week_ended(), measles=2)
    html = health.faris.client().get(f"/health/alerts/{alert.uid}/").content.decode()
    text = " ".join(visible_text(html).split())
    assert "Chameshku camp PHCC" in text
    assert "Zakho town clinic" not in html
    assert "Signals of 1 other facility, whose reports you do not read" in text


def test_the_alert_pages_read_in_arabic_without_codes(
    personas: Personas, health: HealthWorld
) -> None:
    alert = _measles(health, personas)
    faris = health.faris.client()
    faris.cookies["django_language"] = "ar"
    for url in ("/health/alerts/", f"/health/alerts/{alert.uid}/"):
        html = faris.get(url).content.decode()
        assert 'dir="rtl"' in html and "الحصبة المشتبه بها" in html
        text = visible_text(html)
        assert not CODES.search(text), CODES.search(text)
        # Untranslated English words wait for the translators; codes never reach the page.
        assert not re.search(r"\b(measles|one-case|immediate|new)\b", text)


def test_the_alert_list_takes_a_bounded_number_of_queries(
    personas: Personas, health: HealthWorld, django_assert_max_num_queries: Any
) -> None:
    year, week = week_ended()
    for n, disease in enumerate(("measles", "afp", "cholera", "diphtheria")):
        site = facility(
            personas.iom,
            health.duhok_doh,
            code=f"PHCC-{n}",
            name_en=f"Clinic {n}",
            district=("IQG09Q04", "IQG09Q01", "IQG09Q02", "IQG09Q03")[n],
        )
        week_report(site, year, week, None, **{disease: 1})
    faris = health.faris.client()
    faris.get("/health/alerts/")
    with django_assert_max_num_queries(12):
        page = faris.get("/health/alerts/")
    assert len(re.findall(r'href="/health/alerts/[0-9a-f-]{36}/"', page.content.decode())) == 4
