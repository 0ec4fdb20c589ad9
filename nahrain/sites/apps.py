from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "nahrain.sites"
    label = "sites"
    verbose_name = "Camp and site management"

    def ready(self) -> None:
        # What this app's problem rules mean, in the reader's language.
        from nahrain.core.problems import rule_words_add
        from nahrain.sites.problem_words import WORDS

        rule_words_add(WORDS)
        # Site master lists come in through the intake pipeline, as a spec declared here.
        from nahrain.sites.intake_specs import register_specs

        register_specs()
        # The site monitoring and RASP field forms are served by ``collect``, declared here.
        from nahrain.sites.fieldforms_monitoring import register_monitoring_handlers

        register_monitoring_handlers()
        # The CCCM field forms (movement log, headcount) are served by ``collect``.
        from nahrain.sites.fieldforms import register_handlers

        register_handlers()
