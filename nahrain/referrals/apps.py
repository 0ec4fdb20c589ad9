from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "nahrain.referrals"
    label = "referrals"
    verbose_name = "Service directory, referrals and protection cases"

    def ready(self) -> None:
        # Service mapping sheets come in through the intake pipeline, as a spec declared here.
        from nahrain.referrals.directory_intake import register_specs

        register_specs()
