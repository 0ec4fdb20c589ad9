from nahrain.assistance.tests.builders import world  # noqa: F401
