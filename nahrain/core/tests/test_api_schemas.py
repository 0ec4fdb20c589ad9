"""The OpenAPI document names each schema once: two classes of one name would share one entry,
and clients (and the API fuzzing) would read one's fields as the other's."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from nahrain.api import api


def schemas_below(cls: type[Schema]) -> list[type[Schema]]:
    found: list[type[Schema]] = []
    for sub in cls.__subclasses__():
        found += [sub, *schemas_below(sub)]
    return found


def test_no_two_api_schemas_of_one_name_differ() -> None:
    api.get_openapi_schema()  # every router's schemas are imported and built
    by_name: dict[str, set[str]] = defaultdict(set)
    for schema in schemas_below(Schema):
        if schema.__module__.startswith("nahrain."):
            by_name[schema.__name__].add(str(schema.model_json_schema()))
    assert {name: len(shapes) for name, shapes in by_name.items() if len(shapes) > 1} == {}
