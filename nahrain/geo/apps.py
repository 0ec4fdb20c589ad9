from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "nahrain.geo"
    label = "geo"
    verbose_name = "Geography"

    def ready(self) -> None:
        # What this app's problem rules mean, in the reader's language.
        from nahrain.core.problems import rule_words_add
        from nahrain.geo.problem_words import WORDS

        rule_words_add(WORDS)
        # Lists of spellings come in through the intake pipeline, as a spec declared here.
        from nahrain.geo.intake_specs import register_specs

        register_specs()
