from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "nahrain.collect"
    label = "collect"
    verbose_name = "Field data collection"

    def ready(self) -> None:
        # What this app's problem rules mean, in the reader's language.
        from nahrain.collect.problem_words import WORDS
        from nahrain.core.problems import rule_words_add

        rule_words_add(WORDS)
