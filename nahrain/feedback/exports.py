"""What the trends page, the export and the API show of the selectors' figures: the anonymised
export's columns with their headers and HXL hashtags (for HDX and the cluster), and the trends
with a label on every key (a site's name, a category's words, a month written out) in the
reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name, monthyear
from nahrain.feedback import codelists
from nahrain.feedback.selectors import EXPORT_COLUMNS, TrendRow, Trends
from nahrain.sites.models import Site

COLUMNS: tuple[str, ...] = EXPORT_COLUMNS
# The header row: the column names as they are, read by programs as well as people.
HEADERS: tuple[str, ...] = COLUMNS
HXL_TAGS: dict[str, str] = {
    "month": "#date+month",
    "organisation": "#org+concerned",
    "received_by": "#org+received",
    "site": "#loc+site+code",
    "governorate": "#adm1+code",
    "channel": "#meta+channel",
    "category": "#meta+category",
    "topic": "#meta+topic",
    "priority": "#severity",
    "status": "#status",
    "person_sex": "#respondee+sex",
    "person_age_group": "#respondee+age",
    "population_group": "#respondee+group",
    "answered_in_time": "#meta+answered_in_time",
    "closed_in_time": "#meta+closed_in_time",
    "answered_how": "#meta+answer_method",
    "satisfaction": "#meta+satisfaction",
}
HXL: tuple[str, ...] = tuple(HXL_TAGS.get(column, "") for column in COLUMNS)


@dataclass(frozen=True)
class Line:
    """One row of a breakdown as shown: its key, its label, its figures."""

    key: str
    label: str
    row: TrendRow

    @property
    def answered_in_time(self) -> float | None:
        """The share answered within the deadline, as a fraction (the pages' percent filter)."""
        share = self.row.share_answered_in_time
        return None if share is None else share / 100

    @property
    def closed_in_time(self) -> float | None:
        share = self.row.share_closed_in_time
        return None if share is None else share / 100


@dataclass(frozen=True)
class TopIssues:
    site: str
    topics: list[tuple[str, str, int]]  # (code, label, received)


def _sites(ids: set[Any]) -> dict[Any, str]:
    return {site.pk: local_name(site) for site in Site.objects.filter(pk__in=ids - {None})}


def breakdowns(figures: Trends) -> dict[str, list[Line]]:
    """Each breakdown of the trends with a label on every key."""
    sites = _sites({row.key for row in figures.by_site} | set(figures.top_topics))
    organisations = {
        o.pk: str(o.acronym or o.name)
        for o in Organisation.objects.filter(pk__in=[r.key for r in figures.by_organisation])
    }
    no_site = _("Not at a site")
    not_said = _("Not said")
    return {
        "month": [Line(str(r.key), monthyear(r.key), r) for r in figures.by_month],
        "site": [Line(str(r.key or ""), sites.get(r.key, no_site), r) for r in figures.by_site],
        "category": [
            Line(r.key, codelists.label("categories", r.key), r) for r in figures.by_category
        ],
        "channel": [Line(r.key, codelists.label("channels", r.key), r) for r in figures.by_channel],
        "topic": [
            Line(r.key, codelists.label("topics", r.key) if r.key else not_said, r)
            for r in figures.by_topic
        ],
        "organisation": [
            Line(str(r.key), organisations.get(r.key, ""), r) for r in figures.by_organisation
        ],
    }


def top_issues(figures: Trends) -> list[TopIssues]:
    """The topics each site's community raises most, by site name."""
    sites = _sites(set(figures.top_topics))
    found = [
        TopIssues(
            site=sites.get(site, ""),
            topics=[(t, codelists.label("topics", t), n) for t, n in topics],
        )
        for site, topics in figures.top_topics.items()
    ]
    return sorted(found, key=lambda issue: issue.site)


def _count(line: Line) -> dict[str, Any]:
    row = line.row
    return {
        "key": line.key,
        "label": line.label,
        "received": row.received,
        "answered": row.answered,
        "answered_in_time": row.answered_in_time,
        "closed": row.closed,
        "closed_in_time": row.closed_in_time,
        "open_overdue": row.open_overdue,
    }


def trends_out(figures: Trends, organisation: Organisation) -> dict[str, Any]:
    """The trends as the API gives them."""
    total = Line("all", _("All feedback"), figures.total)
    return {
        "organisation": {
            "id": organisation.pk,
            "acronym": organisation.acronym,
            "name": organisation.name,
        },
        "since": figures.months[0],
        "exact": figures.exact,
        "total": _count(total),
        "share_answered_in_time": figures.total.share_answered_in_time,
        "share_closed_in_time": figures.total.share_closed_in_time,
        "by": {
            name: [_count(line) for line in lines] for name, lines in breakdowns(figures).items()
        },
        "top_issues": [
            {"site": issue.site, "topic": code, "label": label, "received": n}
            for issue in top_issues(figures)
            for code, label, n in issue.topics
        ],
    }
