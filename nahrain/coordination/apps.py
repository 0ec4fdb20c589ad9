from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "nahrain.coordination"
    label = "coordination"
    verbose_name = "Response plan, clusters, HRP projects and the monthly 4W reports"

    def ready(self) -> None:
        # The cluster 4W sheet comes in through the intake pipeline, as a spec declared here
        # (which also says what its problems' rules mean).
        from nahrain.coordination.intake_specs import register_specs

        register_specs()
