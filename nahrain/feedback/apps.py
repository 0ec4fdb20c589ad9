from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "nahrain.feedback"
    label = "feedback"
    verbose_name = "Complaints and feedback mechanism"

    def ready(self) -> None:
        # What this app's problem rules mean; a rule another app described (an unknown
        # governorate) keeps its words.
        from nahrain.core.problems import rule_words, rule_words_add
        from nahrain.feedback.problem_words import WORDS

        rule_words_add({rule: words for rule, words in WORDS.items() if not rule_words(rule)})
        # A hotline's call log comes in through the intake pipeline.
        from nahrain.feedback.intake_specs import register_specs

        register_specs()
        # The help-desk form is served by ``collect`` and received here on arrival.
        from nahrain.feedback.fieldforms import register_handlers

        register_handlers()
