from django.urls import URLPattern, URLResolver

from nahrain.referrals import case_urls, directory_urls, referral_urls

app_name = "referrals"

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += directory_urls.urlpatterns
urlpatterns += referral_urls.urlpatterns
urlpatterns += case_urls.urlpatterns
