from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "nahrain.health"
    label = "health"
    verbose_name = "Health facilities, consultations and disease early warning"

    def ready(self) -> None:
        # Consultation and EWARN spreadsheets come in through the intake pipeline, as specs
        # declared here.
        from nahrain.health.intake_specs import register_specs

        register_specs()
        # The EWARN field forms (weekly report, immediate alert) are served by ``collect``.
        from nahrain.health.fieldforms import register_handlers

        register_handlers()
