"""Pages of coordination, under coordination/ (namespace ``coordination``): the response plan
with people in need, targeted and reached, a cluster's dashboard, projects and their funding,
who is where, the partners' monthly 4W reports, the reporting periods, the clusters' members,
the partner names import learns, and the exports."""

from django.urls import URLPattern, path

from nahrain.coordination import views, views_clusters

app_name = "coordination"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("plans/<uuid:plan_uid>/", views.plan, name="plan"),
    path("plans/<uuid:plan_uid>/clusters/<slug:cluster>/", views.cluster, name="cluster"),
    path("plans/<uuid:plan_uid>/projects/", views.projects, name="projects"),
    path("plans/<uuid:plan_uid>/presence/", views.presence, name="presence"),
    path("plans/<uuid:plan_uid>/export.<str:format>", views.export, name="export"),
    path("reports/", views.reports, name="reports"),
    path("reports/<uuid:organisation_id>/<str:month>/", views.report, name="report"),
    path("reports/<uuid:organisation_id>/<str:month>/fill/", views.report_fill, name="fill"),
    path("reports/<uuid:organisation_id>/<str:month>/submit/", views.report_submit, name="submit"),
    path("periods/", views_clusters.periods, name="periods"),
    path("periods/<str:month>/lock/", views_clusters.period_lock, name="period_lock"),
    path("periods/<str:month>/reopen/", views_clusters.period_reopen, name="period_reopen"),
    path(
        "clusters/<slug:cluster>/members/",
        views_clusters.cluster_members,
        name="cluster_members",
    ),
    path("partner-names/", views.partner_names, name="partner_names"),
]
