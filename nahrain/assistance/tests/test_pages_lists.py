"""The list pages as IOM's assistance officers use them: salam builds the winter NFI list from
the registry; its page says who built it, how many households are on it and, for each one left
out, why, in the words the hotline reads out to a caller (in Arabic too); salam cannot approve
his own list, huda approves it and it no longer changes; a change is a new version. Nobody but
IOM's assistance officers opens a list."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from nahrain.assistance.models import DistributionList, ListStatus
from nahrain.assistance.tests.builders import World
from nahrain.assistance.tests.test_pages_programmes import visible_text
from nahrain.core.models import AuditEvent


def test_one_officer_builds_the_list_and_another_approves_it(world: World) -> None:
    on_list = [world.household() for _ in range(3)]
    refused = world.household(consents=("registration",))
    served = world.household()
    world.served(served, kind="sealing_off_kit", on=timezone.localdate() - timedelta(days=30))
    salam, huda = world.salam.client(), world.huda.client()

    built = salam.post(f"/assistance/programmes/{world.nfi.uid}/lists/")
    assert built.status_code == 302
    made = DistributionList.objects.get(programme=world.nfi)
    assert built["Location"] == f"/assistance/lists/{made.uid}/"
    assert made.built_by == world.salam.user and made.status == ListStatus.CHECKED

    page = salam.get(built["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = visible_text(page.content.decode())
    assert "Built by salam" in text
    assert "Households on the list 3" in text and "Households left out 2" in text
    assert "another assistance officer of your organisation approves it" in text
    assert "Approve the list" not in text
    assert refused.number in text and served.number in text
    assert "not agreed" in text  # the consent's words
    assert "Received Sealing-off kit from IOM on" in text and "less than 90 days ago" in text
    assert "served_recently" not in text and "no_consent" not in text
    assert AuditEvent.objects.filter(action="assistance.list_read", object_id=made.uid).exists()

    included = visible_text(salam.get(built["Location"], {"show": "included"}).content.decode())
    assert all(h.number in included for h in on_list) and "1 NFI kit" in included

    # In Arabic, the hotline reads the same exclusions in Arabic.
    arabic = visible_text(salam.get(built["Location"], HTTP_ACCEPT_LANGUAGE="ar").content.decode())
    assert "حقيبة العزل" in arabic  # the kit named in Arabic in the words of the rule
    assert "Sealing-off kit" not in arabic

    # salam's approval is refused; huda's is taken.
    own = salam.post(f"/assistance/lists/{made.uid}/decide/", {"decision": "approve"}, follow=True)
    made.refresh_from_db()
    assert made.status == ListStatus.CHECKED
    assert "You built this list" in visible_text(own.content.decode())
    approve = visible_text(huda.get(f"/assistance/lists/{made.uid}/").content.decode())
    assert "Approve the list" in approve and "Built by salam" in approve
    done = huda.post(f"/assistance/lists/{made.uid}/decide/", {"decision": "approve"})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.status == ListStatus.APPROVED and made.approved_by == world.huda.user
    frozen = visible_text(huda.get(f"/assistance/lists/{made.uid}/").content.decode())
    assert "Approved by huda" in frozen and "no longer changes" in frozen
    assert "Discard" not in frozen

    # A change is a new version, checked, approved again.
    revised = huda.post(f"/assistance/lists/{made.uid}/decide/", {"decision": "revise"})
    second = DistributionList.objects.get(programme=world.nfi, version=2)
    assert revised["Location"] == f"/assistance/lists/{second.uid}/"
    versions = visible_text(huda.get(revised["Location"]).content.decode())
    assert "Version 1" in versions and "Version 2" in versions


def test_nobody_but_the_organisations_assistance_officers_opens_a_list(world: World) -> None:
    world.household()
    made = world.build()
    personas = world.personas
    for persona in (personas.layla, personas.rania, personas.root, personas.karim):
        client = persona.client()
        assert client.get(f"/assistance/lists/{made.uid}/").status_code == 404
        answer = client.post(f"/assistance/lists/{made.uid}/decide/", {"decision": "approve"})
        assert answer.status_code == 404
        assert client.post(f"/assistance/programmes/{world.nfi.uid}/lists/").status_code == 404
