"""Pages of assistance, under assistance/ (namespace ``assistance``): programmes and their rules,
distribution lists from building to approval, distributions with their printable list, the
desk's recording page and the reconciliation, cash payment batches, post-distribution
monitoring samples and reach."""

from django.urls import URLPattern, path

from nahrain.assistance import views

app_name = "assistance"

urlpatterns: list[URLPattern] = [
    path("", views.programme_list, name="programmes"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<uuid:programme_uid>/", views.programme, name="programme"),
    path("programmes/<uuid:programme_uid>/edit/", views.programme_edit, name="programme_edit"),
    path(
        "programmes/<uuid:programme_uid>/status/", views.programme_status, name="programme_status"
    ),
    path("programmes/<uuid:programme_uid>/rules/", views.rules_edit, name="rules"),
    path("programmes/<uuid:programme_uid>/lists/", views.list_build, name="list_build"),
    path(
        "programmes/<uuid:programme_uid>/distributions/new/",
        views.distribution_new,
        name="distribution_new",
    ),
    path("programmes/<uuid:programme_uid>/payments/", views.payments_new, name="payments_new"),
    path("lists/<uuid:list_uid>/", views.list_page, name="list"),
    path("lists/<uuid:list_uid>/decide/", views.list_decide, name="list_decide"),
    path("distributions/<uuid:distribution_uid>/", views.distribution, name="distribution"),
    path(
        "distributions/<uuid:distribution_uid>/sheet/",
        views.distribution_sheet,
        name="distribution_sheet",
    ),
    path(
        "distributions/<uuid:distribution_uid>/record/",
        views.distribution_record,
        name="distribution_record",
    ),
    path(
        "distributions/<uuid:distribution_uid>/status/",
        views.distribution_status,
        name="distribution_status",
    ),
    path(
        "distributions/<uuid:distribution_uid>/samples/",
        views.sample_draw,
        name="sample_draw",
    ),
    path("payments/<uuid:batch_uid>/", views.payment_batch, name="payment_batch"),
    path("payments/<uuid:batch_uid>/file/", views.payment_file, name="payment_file"),
    path("samples/<uuid:sample_uid>/", views.sample, name="sample"),
    path("reach/", views.reach, name="reach"),
    path("reach/hxl/", views.reach_hxl, name="reach_hxl"),
]
