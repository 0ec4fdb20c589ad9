from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "nahrain.referrals"
    label = "referrals"
    verbose_name = "Service directory, referrals and protection cases"
