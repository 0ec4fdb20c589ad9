from django.urls import URLPattern, URLResolver, path

from nahrain.registry import duplicates_views, figures_urls, views

app_name = "registry"

urlpatterns: list[URLPattern | URLResolver] = []

# --- the search and the list, registration, exports -------------------------------------------

urlpatterns += [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("export/", views.export, name="export"),
    path("site/<uuid:site_uid>/counting/", views.site_counting, name="site_counting"),
]

# --- a household's page and its changes --------------------------------------------------------

urlpatterns += [
    path("h/<uuid:household_uid>/", views.household, name="household"),
    path("h/<uuid:household_uid>/edit/", views.household_edit, name="household_edit"),
    path("h/<uuid:household_uid>/members/add/", views.member_add, name="member_add"),
    path("m/<uuid:individual_uid>/edit/", views.member_edit, name="member_edit"),
    path("m/<uuid:individual_uid>/death/", views.member_death, name="member_death"),
    path("h/<uuid:household_uid>/departure/", views.depart, name="depart"),
    path("h/<uuid:household_uid>/move/", views.move, name="move"),
    path("h/<uuid:household_uid>/split/", views.split, name="split"),
    path("h/<uuid:household_uid>/merge/", views.merge, name="merge"),
    path("h/<uuid:household_uid>/consent/", views.consent, name="consent"),
    path("consent/<uuid:consent_uid>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("h/<uuid:household_uid>/visit/", views.visit, name="visit"),
]

# --- the review of possible duplicates ---------------------------------------------------------

urlpatterns += [
    path("duplicates/", duplicates_views.queue, name="duplicates"),
    path("duplicates/<int:pair_id>/", duplicates_views.pair, name="duplicate"),
]

# --- figures -----------------------------------------------------------------------------------

urlpatterns += figures_urls.urlpatterns
