from nahrain.health.tests.builders import health  # noqa: F401
