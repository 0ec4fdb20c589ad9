"""Coordination's slice of the demo: the 2018 Humanitarian Response Plan for Iraq and the
partners' monthly 4W.

- **The plan.** IRQ18, USD 568.7 million: 8.7 million people in need and 3.4 million targeted
  (OCHA, Iraq HRP 2018). The split by cluster and governorate is the demo's, in the HRP's shape:
  it adds up to no more than the country's figures.
- **Projects.** IOM's six, with the amounts the plan lists (IRQ18/CSS/123876 DTM USD 3,000,000;
  IRQ18/CCCM/124317 USD 6,774,966; IRQ18/H/124072 USD 1,800,000; IRQ18/SNF/124350 USD
  14,207,374; IRQ18/PHRRL/124383 MHPSS USD 700,000; IRQ18/ER/124084 USD 300,000), and other
  partners' (MdM and IMC in health, INTERSOS in protection, DAMA in shelter), each with funding
  received from donors, some fully, most in part.
- **Clusters.** A Shelter/NFI coordinator (``tariq.snfi``, UNHCR) and a health cluster
  information manager (``rawand.health``, WHO); both organisations are made here, and so are
  the information managers who write DAMA's and INTERSOS's 4W (``nasir.dama``,
  ``rozh.intersos``).
- **Reports of 2018.** Partners' monthly figures for January to June 2018, entered by hand
  (DAMA's shelter, INTERSOS's protection) or imported as a cluster sheet (IOM's camp management
  and MdM's and IMC's consultations), periods reopened by the clusters as they were then.
- **Reports of the demo's own months.** For the months the assistance and health slices hold
  distributions and consultations, each partner's report is filled from the system
  (``report_fill_from_system``), so that what the registry and the clinics already know is
  reported once and never typed again.
"""

from __future__ import annotations

import random
import secrets
import time
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from nahrain.assistance.models import Receipt
from nahrain.coordination import codelists, rules, services
from nahrain.coordination.models import ClusterRole, Report, ReportRow, ResponsePlan, RowSource
from nahrain.core import services as core_services
from nahrain.core.models import Membership, Organisation, OrganisationType, Role
from nahrain.demo.slices import Demo, Slice
from nahrain.geo.models import AdminUnit
from nahrain.health.models import ConsultationReport

YEAR = 2018
IN_NEED, TARGETED = 8_700_000, 3_400_000
# (cluster, people in need, targeted): the demo's split of the plan's figures.
CLUSTERS = [
    ("cccm", 1_100_000, 700_000),
    ("health", 7_300_000, 2_800_000),
    ("protection", 8_000_000, 2_900_000),
    ("snfi", 2_900_000, 1_100_000),
    ("wash", 5_400_000, 2_200_000),
    ("food", 2_500_000, 900_000),
    ("education", 3_000_000, 900_000),
    ("livelihoods", 2_400_000, 400_000),
    ("mpca", 1_600_000, 600_000),
]
# Governorates and their share of each cluster's figures.
GOVERNORATES = [("IQG15", 0.40), ("IQG01", 0.20), ("IQG18", 0.15), ("IQG09", 0.10), ("IQG13", 0.15)]
# (code, title, organisation, cluster, requested, targets, governorates, received by donor)
PROJECTS = [
    (
        "IRQ18/CSS/123876",
        "Displacement Tracking Matrix (DTM)",
        "IOM",
        "ccs",
        "3000000",
        0,
        ["IQG15", "IQG01", "IQG18", "IQG09", "IQG13"],
        [("ECHO", "1800000"), ("USAID/OFDA", "900000")],
    ),
    (
        "IRQ18/CCCM/124317",
        "Camp coordination and camp management in camps and informal sites",
        "IOM",
        "cccm",
        "6774966",
        250_000,
        ["IQG15", "IQG09"],
        [("USAID/OFDA", "3500000")],
    ),
    (
        "IRQ18/H/124072",
        "Primary health care for IDPs and returnees",
        "IOM",
        "health",
        "1800000",
        80_000,
        ["IQG15"],
        [("ECHO", "600000")],
    ),
    (
        "IRQ18/SNF/124350",
        "Shelter and NFI assistance to IDPs and returnees",
        "IOM",
        "snfi",
        "14207374",
        180_000,
        ["IQG15", "IQG01", "IQG18"],
        [("ECHO", "5000000"), ("DFID", "2500000")],
    ),
    (
        "IRQ18/PHRRL/124383",
        "Mental health and psychosocial support",
        "IOM",
        "protection",
        "700000",
        12_000,
        ["IQG15", "IQG09"],
        [("Germany", "350000")],
    ),
    (
        "IRQ18/ER/124084",
        "Emergency livelihoods for returnees",
        "IOM",
        "livelihoods",
        "300000",
        2_000,
        ["IQG01"],
        [("Japan", "300000")],
    ),
    (
        "IRQ18/H/124501",
        "Mobile medical units in Ninewa",
        "MdM",
        "health",
        "2400000",
        60_000,
        ["IQG15"],
        [("ECHO", "2400000")],
    ),
    (
        "IRQ18/H/124388",
        "Primary health care in camps of Duhok",
        "IMC",
        "health",
        "1950000",
        45_000,
        ["IQG09"],
        [("USAID/OFDA", "1200000")],
    ),
    (
        "IRQ18/P/124212",
        "Protection monitoring and case management",
        "INTERSOS",
        "protection",
        "1600000",
        30_000,
        ["IQG15", "IQG09"],
        [("UNHCR", "800000")],
    ),
    (
        "IRQ18/SNF/124690",
        "Sealing-off kits for critical shelters",
        "DAMA",
        "snfi",
        "450000",
        9_000,
        ["IQG15"],
        [],
    ),
]
# (username, first name, last name, organisation acronym, cluster, cluster role)
COORDINATORS = [
    ("tariq.snfi", "Tariq", "Mahdi", "UNHCR", "snfi", ClusterRole.COORDINATOR),
    ("rawand.health", "Rawand", "Sabir", "WHO", "health", ClusterRole.INFORMATION_MANAGER),
]
# Partners' information managers who write their organisation's 4W (core's slice has none).
PARTNER_IMS = [
    ("nasir.dama", "Nasir", "Hadi", "DAMA"),
    ("rozh.intersos", "Rozh", "Salih", "INTERSOS"),
]
ORGANISATIONS = {
    "UNHCR": "United Nations High Commissioner for Refugees",
    "WHO": "World Health Organization",
}
MONTHS_2018 = range(1, 7)


def _unit(pcode: str) -> AdminUnit:
    return AdminUnit.objects.get(pcode=pcode)


def _coordinators(demo: Demo) -> dict[str, User]:
    found = {}
    for username, first, last, acronym, cluster, role in COORDINATORS:
        organisation = Organisation.objects.filter(acronym=acronym).first() or (
            core_services.organisation_create(
                actor=None,
                name=ORGANISATIONS[acronym],
                acronym=acronym,
                type=OrganisationType.UN_AGENCY,
            )
        )
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = core_services.user_create(
                username=username, password=password, first_name=first, last_name=last
            )
            core_services.membership_add(
                actor=None, user=user, organisation=organisation, role=Role.INFORMATION_MANAGER
            )
            services.cluster_member_add(actor=None, user=user, cluster=cluster, role=role)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        demo.summary.append(f"  {username:<14} {password:<18} {role} of the {cluster} cluster")
        found[cluster] = user
    for username, first, last, acronym in PARTNER_IMS:
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = core_services.user_create(
                username=username, password=password, first_name=first, last_name=last
            )
            core_services.membership_add(
                actor=None,
                user=user,
                organisation=Organisation.objects.get(acronym=acronym),
                role=Role.INFORMATION_MANAGER,
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        demo.summary.append(f"  {username:<14} {password:<18} information_manager at {acronym}")
    return found


def plan_load(actor: User) -> ResponsePlan:
    plan = services.plan_create(
        actor=actor,
        year=YEAR,
        code="IRQ18",
        name="Iraq Humanitarian Response Plan 2018",
        requirements=Decimal("568700000"),
        source="OCHA, Iraq Humanitarian Response Plan 2018",
    )
    rows = [
        services.FigureIn(kind="in_need", people=IN_NEED),
        services.FigureIn(kind="targeted", people=TARGETED),
    ]
    for pcode, share in GOVERNORATES:
        governorate = _unit(pcode)
        rows += [
            services.FigureIn(
                kind="in_need", people=round(IN_NEED * share * 0.8), governorate=governorate
            ),
            services.FigureIn(
                kind="targeted", people=round(TARGETED * share * 0.8), governorate=governorate
            ),
        ]
    for cluster, in_need, targeted in CLUSTERS:
        rows += [
            services.FigureIn(kind="in_need", people=in_need, cluster=cluster),
            services.FigureIn(kind="targeted", people=targeted, cluster=cluster),
        ]
        for pcode, share in GOVERNORATES:
            rows += [
                services.FigureIn(
                    kind="in_need",
                    people=round(in_need * share),
                    cluster=cluster,
                    governorate=_unit(pcode),
                ),
                services.FigureIn(
                    kind="targeted",
                    people=round(targeted * share),
                    cluster=cluster,
                    governorate=_unit(pcode),
                ),
            ]
    services.plan_figures_set(actor=actor, plan=plan, rows=rows)
    organisations = {o.acronym: o for o in Organisation.objects.all()}
    for code, title, acronym, cluster, requested, targets, pcodes, funding in PROJECTS:
        project = services.project_create(
            actor=actor,
            plan=plan,
            code=code,
            title=title,
            organisation=organisations[acronym],
            cluster=cluster,
            requested=Decimal(requested),
            targets=targets,
            governorates=[_unit(p) for p in pcodes],
        )
        for number, (donor, amount) in enumerate(funding, start=1):
            services.funding_record(
                actor=actor,
                project=project,
                amount=Decimal(amount),
                source=donor,
                received_on=date(YEAR, 2 + 3 * number, 15),
                reference=f"{code}-{number}",
            )
    return plan


def _reporter(acronym: str) -> User | None:
    """A member of the organisation who writes its 4W (its information manager or data
    entry), if it has one."""
    membership = (
        Membership.objects.filter(
            organisation__acronym=acronym,
            role__in=(Role.INFORMATION_MANAGER, Role.DATA_ENTRY),
        )
        .select_related("user")
        .order_by("role", "user__username")
        .first()
    )
    return membership.user if membership is not None else None


def _writer(acronym: str) -> User:
    found = _reporter(acronym)
    assert found is not None, f"no one writes the 4W of {acronym}"
    return found


def reports_2018(rng: random.Random, coordinators: dict[str, User]) -> int:
    """January to June 2018: DAMA's and INTERSOS's entered on the page, IOM's camp management,
    MdM's and IMC's consultations imported as the clusters' sheets."""
    for month in MONTHS_2018:
        services.period_reopen(actor=coordinators["snfi"], month=date(YEAR, month, 1))
    organisations = {o.acronym: o for o in Organisation.objects.all()}
    mosul, hamdaniya, zakho = _unit("IQG15Q03"), _unit("IQG15Q02"), _unit("IQG09Q04")
    written = 0
    houses = 0
    for month in MONTHS_2018:
        first = date(YEAR, month, 1)
        houses += rng.randint(20, 45)
        dama = [
            services.RowIn(
                cluster="snfi",
                activity="snfi_return_support",
                indicator="snfi_houses_repaired",
                admin_unit=hamdaniya,
                value=houses,
            ),
            services.RowIn(
                cluster="snfi",
                activity="snfi_emergency_shelter",
                indicator="snfi_people_shelter",
                admin_unit=mosul,
                population_group="returnee",
                value=(n := rng.randint(300, 700)),
                cells={"f_unknown": n // 2, "m_unknown": n - n // 2},
            ),
        ]
        services.report_save(
            actor=_writer("DAMA"), organisation=organisations["DAMA"], month=first, rows=dama
        )
        intersos = [
            services.RowIn(
                cluster="protection",
                activity="protection_monitoring",
                indicator="protection_people_monitored",
                admin_unit=mosul,
                population_group="idp_out_of_camp",
                value=rng.randint(800, 1500),
            ),
            services.RowIn(
                cluster="cp",
                activity="cp_pss",
                indicator="cp_children_pss",
                admin_unit=zakho,
                population_group="idp_in_camp",
                value=rng.randint(150, 300),
            ),
        ]
        services.report_save(
            actor=_writer("INTERSOS"),
            organisation=organisations["INTERSOS"],
            month=first,
            rows=intersos,
        )
        written += len(dama) + len(intersos)
    sheet = []
    number = 1
    for month in MONTHS_2018:
        for acronym, indicator, place, low, high in (
            ("IOM", "cccm_people_in_managed_sites", mosul, 60_000, 75_000),
            ("IOM", "cccm_camps_managed", mosul, 8, 11),
            ("MdM", "health_consultations", mosul, 4_000, 7_000),
            ("IMC", "health_consultations", zakho, 3_000, 5_000),
        ):
            known = codelists.indicator(indicator)
            sheet.append(
                services.ImportRow(
                    row=number,
                    organisation_id=organisations[acronym].pk,
                    month=date(YEAR, month, 1),
                    cluster=known.cluster,
                    activity=known.activity,
                    indicator=indicator,
                    admin_unit_id=place.pk,
                    value=rng.randint(low, high),
                )
            )
            number += 1
    outcome = services.rows_import(actor=None, rows=sheet, dry_run=False)
    assert not outcome.problems, outcome.problems
    services.report_submit(
        actor=_writer("DAMA"),
        report=Report.objects.get(organisation=organisations["DAMA"], month=date(YEAR, 6, 1)),
    )
    return written + outcome.rows


def reports_filled(coordinators: dict[str, User]) -> int:
    """The months the demo's distributions and consultations happened: each partner's report
    filled from the system (the cluster reopened the months past their deadline)."""
    wanted: set[tuple[str, date]] = set()
    for acronym, day in Receipt.objects.filter(served=True).values_list(
        "programme__organisation__acronym", "recorded_at"
    ):
        wanted.add((acronym, day.date().replace(day=1)))
    for acronym, month in ConsultationReport.objects.filter(period="month").values_list(
        "facility__organisation__acronym", "start"
    ):
        wanted.add((acronym, month.replace(day=1)))
    organisations = {o.acronym: o for o in Organisation.objects.all()}
    for month in sorted({m for _a, m in wanted}):
        if not rules.is_open(rules.period_for(month)):
            services.period_reopen(actor=coordinators["snfi"], month=month)
    for acronym, month in sorted(wanted):
        reporter = _reporter(acronym)
        if reporter is not None:
            services.report_fill_from_system(
                actor=reporter, organisation=organisations[acronym], month=month
            )
    return ReportRow.objects.filter(source=RowSource.AUTO).count()


def demo_load(demo: Demo) -> None:
    if ResponsePlan.objects.filter(year=YEAR).exists():
        demo.write("Coordination: already present, left alone.")
        return
    started = time.perf_counter()
    # Seeded for a reproducible demo, not for secrecy.
    rng = random.Random(f"{demo.options.get('seed', 0)}-coordination")  # noqa: S311
    demo.summary.append("\nCluster coordinators (passwords are new on every run):")
    with transaction.atomic():
        coordinators = _coordinators(demo)
        # The platform administrator of core's slice loads the plan, as OCHA's figures come in.
        plan = plan_load(User.objects.get(username="admin"))
        rows = reports_2018(rng, coordinators)
        filled = reports_filled(coordinators)
    demo.write(
        f"Coordination: the {plan.code} plan with {plan.projects.count()} projects, {rows} 4W "
        f"rows of 2018 entered or imported, {filled} filled from the system "
        f"({time.perf_counter() - started:.1f} s)."
    )


# Distributions and consultations must be there to be filled from.
SLICE = Slice(
    name="coordination",
    load=demo_load,
    after=("core", "geo", "sites", "registry", "referrals", "health", "assistance"),
)
