from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "nahrain.geo"
    label = "geo"
    verbose_name = "Geography"

    def ready(self) -> None:
        # Lists of spellings come in through the intake pipeline, as a spec declared here.
        from nahrain.geo.intake_specs import register_specs

        register_specs()
