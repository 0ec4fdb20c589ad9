from django.urls import path

from nahrain.collect import pages

app_name = "collect"

urlpatterns = [
    path("", pages.queue, name="queue"),
    path("submissions/<uuid:uid>/", pages.submission_detail, name="submission"),
    path("submissions/<uuid:uid>/correct/", pages.submission_correct, name="correct"),
    path("submissions/<uuid:uid>/accept/", pages.submission_accept, name="accept"),
    path("submissions/<uuid:uid>/reject/", pages.submission_reject, name="reject"),
    path("submissions/<uuid:uid>/key-informant/", pages.key_informant, name="key_informant"),
    path("collectors/", pages.collectors, name="collectors"),
    path("collectors/<uuid:uid>/reset/", pages.collector_reset, name="collector_reset"),
    path("collectors/<uuid:uid>/revoke/", pages.collector_revoke, name="collector_revoke"),
    path("forms/publish/", pages.forms_publish, name="forms_publish"),
]
