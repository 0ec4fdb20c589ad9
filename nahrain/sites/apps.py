from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "nahrain.sites"
    label = "sites"
    verbose_name = "Camp and site management"

    def ready(self) -> None:
        # The site monitoring and RASP field forms are served by ``collect``, declared here.
        from nahrain.sites.fieldforms_monitoring import register_monitoring_handlers

        register_monitoring_handlers()
