from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "nahrain.sites"
    label = "sites"
    verbose_name = "Camp and site management"

    def ready(self) -> None:
        # The CCCM field forms (movement log, headcount) are served by ``collect``.
        from nahrain.sites.fieldforms import register_handlers

        register_handlers()
