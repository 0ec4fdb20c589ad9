from django.urls import URLPattern, URLResolver, path

from nahrain.referrals import case_views, report_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", case_views.cases, name="cases"),
    path("cases/new/", case_views.case_open, name="case_open"),
    path("cases/reports/", report_views.report, name="reports"),
    path("cases/<uuid:case_uid>/", case_views.case, name="case"),
    path("cases/<uuid:case_uid>/entry/<slug:kind>/", case_views.case_entry, name="case_entry"),
    path("cases/<uuid:case_uid>/assign/", case_views.case_assign, name="case_assign"),
]
