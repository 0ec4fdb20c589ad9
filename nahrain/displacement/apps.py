from django.apps import AppConfig


class DisplacementConfig(AppConfig):
    name = "nahrain.displacement"
    label = "displacement"
    verbose_name = "Displacement tracking"

    def ready(self) -> None:
        # What this app's problem rules mean, in the reader's language.
        from nahrain.core.problems import rule_words_add
        from nahrain.displacement.problem_words import WORDS

        rule_words_add(WORDS)
        # DTM's field forms are served by ``collect``; they are declared here, with their app.
        from nahrain.displacement.fieldforms import register_handlers
        from nahrain.displacement.intake_specs import register_specs

        register_handlers()
        # Master lists come in through the intake pipeline, as a spec declared here.
        register_specs()
