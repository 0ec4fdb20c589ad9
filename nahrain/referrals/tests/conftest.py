# The registry's canary tests' fixture: caplog at DEBUG on every logger.
from nahrain.registry.tests.test_canaries import every_logger  # noqa: F401
