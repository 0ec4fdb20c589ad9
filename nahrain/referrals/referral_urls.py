from django.urls import URLPattern, URLResolver, path

from nahrain.referrals import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("referrals/", views.referral_list, name="list"),
    path("referrals/to/<uuid:point_uid>/", views.referral_send, name="send"),
    path("referrals/<uuid:referral_uid>/", views.referral, name="referral"),
    path("referrals/<uuid:referral_uid>/step/", views.referral_step, name="step"),
    path("referrals/<uuid:referral_uid>/consent/", views.consent_change, name="consent"),
]
