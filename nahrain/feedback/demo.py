"""Feedback's slice of the demo: a year of IOM's complaints and feedback mechanism at the demo
sites, written through the services as on the day it happened (``timezone.now`` set to that day).

Who: ``rawa.aap`` (IOM feedback officer at the help desks) records and handles; ``jwan.psea``
(IOM feedback officer) is named by ``dana.admin`` (IOM's organisation admin) the focal point for
every sensitive category and handles the few sensitive items; ``lina.aap`` (INTERSOS feedback
officer) answers what IOM refers to INTERSOS (protection). All made by core's slice.

- **Feedback over twelve months** at IOM's sites, through the help desks, the hotline, the
  community resource centres, suggestion boxes, community meetings, SMS and WhatsApp: requests
  for information and assistance, complaints about services, staff conduct, thanks; about
  water, shelter, health, documentation, camp management and the assistance distributions (the
  winter top-up: ``about_programme``). Older items are answered, the person told and closed,
  most within the deadline, some late, a few closed without contact (unreachable, anonymous);
  the last weeks' are new, assigned or in progress.
- **Referrals**: protection issues are referred to INTERSOS, which answers them.
- **Sensitive items**: a handful (sexual exploitation and abuse, fraud, safety), read and
  handled by the focal point alone.
- **PDM complaints** of the winter top-up's monitoring taken over (``pdm_complaints_take``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from nahrain.assistance.models import Programme
from nahrain.core.models import Organisation
from nahrain.demo.slices import Demo, Slice
from nahrain.feedback import codelists, services
from nahrain.feedback.models import Feedback
from nahrain.sites.models import LIVED_IN, Site

OFFICER = "rawa.aap"
FOCAL_POINT = "jwan.psea"
ADMIN = "dana.admin"
PARTNER_OFFICER = "lina.aap"
ITEMS = 140
MONTHS = 12
ABOUT_PROGRAMME = "IOM-NFI-W25"  # the winter top-up distributed at the camps

CHANNELS = (
    ("help_desk", 35),
    ("hotline", 20),
    ("crc", 12),
    ("suggestion_box", 10),
    ("community_meeting", 8),
    ("sms", 5),
    ("whatsapp", 10),
)
CATEGORIES = (
    ("information_request", 30),
    ("assistance_request", 25),
    ("service_quality", 30),
    ("staff_conduct", 5),
    ("positive_feedback", 10),
)
# What people say, by topic: (English, Arabic) as a help desk writes it down.
SAID = {
    "wash": ("The water tank of our sector has been empty for two days.", "خزان الماء فارغ"),
    "shelter": ("The tent leaks when it rains; we need a new tarpaulin.", "الخيمة تسرب الماء"),
    "health": ("The clinic has had no insulin for a week.", "لا يوجد أنسولين في المركز الصحي"),
    "documentation": ("How can I renew my civil ID from here?", "كيف أجدد هويتي المدنية؟"),
    "camp_management": ("The electricity is cut every evening in sector 3.", "الكهرباء مقطوعة"),
    "distribution_cash": (
        "We were not told the day of the winter distribution.",
        "لم يتم إبلاغنا بموعد التوزيع",
    ),
    "livelihoods": ("Are there cash-for-work places this month?", "هل توجد فرص النقد مقابل العمل؟"),
    "education": ("The school tent has no heater.", "خيمة المدرسة بلا مدفأة"),
    "protection": (
        "A family in sector 5 says their children are not safe going to the latrines at night.",
        "عائلة تقول إن أطفالها غير آمنين",
    ),
}
ANSWERS = {
    "wash": "The WASH partner refilled the tank and added a second delivery a day.",
    "shelter": "The shelter team replaced the tarpaulin.",
    "health": "The Directorate of Health delivered insulin to the clinic.",
    "documentation": "Told of the legal partner's mobile team visiting on Thursdays.",
    "camp_management": "The generator was repaired; the schedule is on the notice board.",
    "distribution_cash": "The distribution days are now announced a week ahead by SMS.",
    "livelihoods": "Told of the next cash-for-work registration.",
    "education": "A heater was delivered to the school tent.",
    "protection": "INTERSOS installed lights by the latrines and visits the family.",
}
SENSITIVE = (
    ("sea", "distribution_cash", "A woman says a distribution volunteer asked for sex."),
    ("fraud", "distribution_cash", "A man says he paid 50,000 dinars to be put on the list."),
    ("fraud", "shelter", "Someone sells the caravan allocations of sector 2."),
    ("safety", "camp_management", "Threats against the committee members of sector 6."),
)


@contextmanager
def _on(moment: datetime) -> Iterator[datetime]:
    """Write as at that moment: the services and the audit log read ``timezone.now``."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield moment


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour)))


def _contact(rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.2:
        return None  # anonymous
    return {
        "name": rng.choice(("Nazdar", "Ahmed", "Shirin", "Khalid", "Layla", "Sami")),
        "phone": f"07{rng.choice('5789')}0 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        "preferred_language": rng.choice(("ar", "ar", "kmr", "ckb")),
        "callback_gender": rng.choice(("any", "any", "female", "male")),
        "consent_to_share": rng.random() < 0.7,
    }


def _handle(
    rng: random.Random, item: Feedback, actor: User, received: datetime, today: date
) -> Feedback:
    """Take an item as far as its age allows: older ones answered, told and closed."""
    age = (today - received.date()).days
    if age < 3:
        return item
    # Some answered after the deadline, among the items old enough for it.
    late = age > 40 and rng.random() < 0.15
    step = received + timedelta(days=1 if not late else 20)
    with _on(step):
        item = services.feedback_start(actor=actor, feedback=item)
    if age < 10:
        return item
    if item.anonymous and rng.random() < 0.5:
        with _on(step + timedelta(days=2)):
            return services.feedback_close_without_contact(
                actor=actor, feedback=item, reason="anonymous"
            )
    if rng.random() < 0.05:
        with _on(step + timedelta(days=3)):
            return services.feedback_close_without_contact(
                actor=actor, feedback=item, reason="unreachable"
            )
    answer = ANSWERS.get(item.topic, "Told what the organisation can do and when.")
    with _on(step + timedelta(days=2)):
        item = services.feedback_resolve(actor=actor, feedback=item, answer=answer)
    with _on(step + timedelta(days=3)):
        item = services.feedback_tell(
            actor=actor,
            feedback=item,
            how=rng.choice(("phone_call", "phone_call", "in_person", "sms")),
            satisfaction=rng.choice(("satisfied", "satisfied", "partly", "not_satisfied")),
        )
    with _on(step + timedelta(days=4)):
        return services.feedback_close(actor=actor, feedback=item)


def demo_load(demo: Demo) -> None:
    started = time.perf_counter()
    iom = Organisation.objects.get(acronym="IOM")
    intersos = Organisation.objects.get(acronym="INTERSOS")
    if Feedback.objects.filter(organisation=iom).exists():
        demo.write("Feedback: already present, left alone.")
        return
    officer = User.objects.get(username=OFFICER)
    focal = User.objects.get(username=FOCAL_POINT)
    admin = User.objects.get(username=ADMIN)
    partner = User.objects.get(username=PARTNER_OFFICER)
    sites = list(Site.objects.filter(organisation=iom, status__in=LIVED_IN).order_by("code"))
    programme = Programme.objects.filter(organisation=iom, code=ABOUT_PROGRAMME).first()
    rng = random.Random(f"{demo.options.get('seed', 1)}:feedback")  # noqa: S311
    today = timezone.localdate()
    first = today - timedelta(days=30 * MONTHS)
    topics = [t for t in SAID if t != "protection"]
    with transaction.atomic():
        services.focal_point_name(
            actor=admin,
            organisation=iom,
            user=focal,
            categories=codelists.sensitive_categories(),
        )
        for _n in range(ITEMS):
            day = first + timedelta(days=rng.randrange((today - first).days))
            received = _moment(day, rng.randint(8, 15))
            topic = rng.choice(topics + ["protection"] * 1)
            category = _weighted(rng, CATEGORIES)
            if category == "positive_feedback":
                said = "Thank you to the team for the winter kits; they came on time."
            else:
                said = SAID[topic][0]
            contact = _contact(rng)
            with _on(received):
                item = services.feedback_receive(
                    actor=officer,
                    organisation=iom,
                    channel=_weighted(rng, CHANNELS),
                    category=category,
                    description=said,
                    received_at=received,
                    site=rng.choice(sites) if sites else None,
                    topic=topic,
                    about_programme=programme if topic == "distribution_cash" else None,
                    anonymous=contact is None,
                    contact=contact,
                    person_sex=rng.choice(("f", "m")),
                    person_age_group=rng.choice(("18_59", "18_59", "60", "0_17")),
                    population_group=rng.choice(("idp_in_camp", "idp_in_camp", "returnee")),
                )
            handler = officer
            if topic == "protection" and category != "positive_feedback":
                with _on(received + timedelta(hours=2)):
                    item = services.feedback_refer(
                        actor=officer,
                        feedback=item,
                        organisation=intersos,
                        note="Protection: INTERSOS runs the protection desk at this site.",
                    )
                handler = partner
            _handle(rng, item, handler, received, today)
        for category, topic, said in SENSITIVE:
            day = first + timedelta(days=rng.randrange((today - first).days))
            received = _moment(day, 10)
            with _on(received):
                item = services.feedback_receive(
                    actor=officer,
                    organisation=iom,
                    channel=rng.choice(("hotline", "help_desk")),
                    category=category,
                    description=said,
                    received_at=received,
                    site=rng.choice(sites) if sites else None,
                    topic=topic,
                    about_programme=programme if topic == "distribution_cash" else None,
                    anonymous=True,
                )
            _handle(rng, item, focal, received, today)
        taken = []
        if programme is not None:
            with _on(_moment(today - timedelta(days=1), 9)):
                taken = services.pdm_complaints_take(actor=officer, programme=programme)
    made = Feedback.objects.filter(organisation=iom)
    demo.write(
        f"Feedback: {made.count()} items at {len(sites)} IOM sites over {MONTHS} months "
        f"({made.filter(sensitive=True).count()} sensitive, for the focal point "
        f"{FOCAL_POINT}; {made.filter(concerned=intersos).count()} referred to INTERSOS; "
        f"{len(taken)} PDM complaints taken over) ({time.perf_counter() - started:.1f} s)."
    )


# The organisations and officers are core's; the sites the sites slice's; the programmes and
# their monitoring the assistance slice's.
SLICE = Slice(name="feedback", load=demo_load, after=("core", "geo", "sites", "assistance"))
