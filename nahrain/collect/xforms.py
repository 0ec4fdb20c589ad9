"""Compiling XLSForms with pyxform, and reading submitted instances."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
from pyxform.xls2xform import convert

# Root element of every instance; the form is told apart by its ``id`` attribute.
INSTANCE_ROOT = "data"


class FormCompileError(Exception):
    """pyxform refused the XLSForm."""


@dataclass
class Compiled:
    form_id: str
    title: str
    version: str
    xml: str
    md5: str
    media: list[str]  # file names the form loads (jr://file-csv/...)
    warnings: list[str] = field(default_factory=list)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def compile_xlsform(source: str) -> Compiled:
    """Compile an XLSForm (Markdown tables) into an XForm with pyxform."""
    warnings: list[str] = []
    try:
        result = convert(
            source.encode("utf-8"), file_type=".md", form_name=INSTANCE_ROOT, warnings=warnings
        )
    except Exception as failed:  # pyxform raises several unrelated exception types
        raise FormCompileError(str(failed)) from failed
    root = safe_xml.fromstring(result.xform.encode("utf-8"))
    ns = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
    instance = root.find("h:head/x:model/x:instance", ns)
    title = root.findtext("h:head/h:title", default="", namespaces=ns)
    assert instance is not None and len(instance)
    data = instance[0]
    media = [
        src.rsplit("/", 1)[-1]
        for inst in root.findall("h:head/x:model/x:instance", ns)
        if (src := inst.get("src", "")).startswith("jr://file")
    ]
    return Compiled(
        form_id=data.get("id", ""),
        title=title,
        version=data.get("version", ""),
        xml=result.xform,
        md5=md5_hex(result.xform.encode("utf-8")),
        media=media,
        warnings=warnings,
    )


class InstanceError(Exception):
    """The submitted XML is not an instance of a form this server knows."""


@dataclass
class Instance:
    """What a submitted instance says: which form, which instance, and its values."""

    form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    values: dict[str, Any]
    personal: dict[str, str]
    redacted_xml: str
    # The answers the form's handler withholds from ``collect`` (``FormHandler.withheld``):
    # in neither ``values`` nor ``redacted_xml``.
    withheld: dict[str, Any] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _collect(element: Element, values: dict[str, Any], repeats: frozenset[str]) -> None:
    """Leaves by name; a repeat (an element name seen more than once with children) as a list."""
    for child in element:
        name = _local(child.tag)
        if len(child):
            if name == "meta":
                continue
            inner: dict[str, Any] = {}
            _collect(child, inner, repeats)
            if name in repeats:
                if not isinstance(values.get(name), list):
                    values[name] = []  # a malformed instance may have sent it as a value first
                values[name].append(inner)
            else:
                values.update(inner)
        else:
            values[name] = (child.text or "").strip()


# The form's id -> its personal fields (field name -> where kept), its repeat groups and the
# answers its handler withholds.
Layout = Callable[[str], tuple[Mapping[str, str], frozenset[str], frozenset[str]]]


def parse_instance(xml: bytes, *, layout: Layout) -> Instance:
    """Read a submitted instance (untrusted XML, parsed with defusedxml); ``layout`` tells
    the form's personal fields and repeat groups from its id."""
    try:
        root = safe_xml.fromstring(xml)
    except Exception as failed:  # defusedxml raises ParseError and its own refusals
        raise InstanceError(f"the XML cannot be read: {failed}") from failed
    meta = next((child for child in root if _local(child.tag) == "meta"), None)
    instance_id = deprecated_id = ""
    if meta is not None:
        for child in meta:
            if _local(child.tag) == "instanceID":
                instance_id = (child.text or "").strip()
            elif _local(child.tag) == "deprecatedID":
                deprecated_id = (child.text or "").strip()
    instance_id = instance_id or root.get("instanceID", "")
    if not instance_id:
        raise InstanceError("the instance has no meta/instanceID")
    if len(instance_id) > 100:
        raise InstanceError("the instanceID is longer than 100 characters")
    personal_fields, repeats, withheld_fields = layout(root.get("id", ""))
    values: dict[str, Any] = {}
    try:
        _collect(root, values, repeats)
        withheld = {name: values.pop(name) for name in withheld_fields if name in values}
        redacted = _redact(root, values, personal_fields, withheld_fields)
    except RecursionError:
        # No form nests more than a few groups; thousands of levels are an attack.
        raise InstanceError("the XML nests too deeply") from None
    personal, redacted_xml = redacted
    return Instance(
        form_id=root.get("id", ""),
        version=root.get("version", ""),
        instance_id=instance_id,
        deprecated_id=deprecated_id,
        values=values,
        personal={k: v for k, v in personal.items() if v},
        redacted_xml=redacted_xml,
        withheld=withheld,
    )


def _redact(
    root: Element,
    values: dict[str, Any],
    personal_fields: Mapping[str, str],
    withheld_fields: frozenset[str] = frozenset(),
) -> tuple[dict[str, str], str]:
    """Take the personal fields out of the instance: their values, and the XML without them
    (nor the withheld answers, whose values the caller has taken already)."""
    personal: dict[str, str] = {}
    for element in root.iter():
        name = _local(element.tag)
        key = personal_fields.get(name)
        if key is not None:
            personal[key] = (element.text or "").strip()
            element.text = None
        elif name in withheld_fields:
            element.text = None
    for name in personal_fields:
        values.pop(name, None)
    return personal, safe_xml.tostring(root, encoding="unicode")
