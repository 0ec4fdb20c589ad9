from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "nahrain.sites"
    label = "sites"
    verbose_name = "Camp and site management"

    def ready(self) -> None:
        # Site master lists come in through the intake pipeline, as a spec declared here.
        from nahrain.sites.intake_specs import register_specs

        register_specs()
