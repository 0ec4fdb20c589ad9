"""XLSForms shipped with Nahrain, compiling them with pyxform, their media files, and reading
submitted instances."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
from pyxform.xls2xform import convert

from nahrain.collect.models import FormKind
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit, LocationKind

FORMS_DIR = Path(__file__).resolve().parent / "forms"
# Root element of every instance; the form is told apart by its ``id`` attribute.
INSTANCE_ROOT = "data"
# Fields holding a key informant's personal data: taken out of the stored XML.
PERSONAL_FIELDS = {"ki_name": "name", "ki_phone": "phone"}


@dataclass(frozen=True)
class ShippedForm:
    form_id: str
    kind: str
    path: Path


SHIPPED_FORMS = (
    ShippedForm(
        "dtm_location_assessment",
        FormKind.LOCATION_ASSESSMENT,
        FORMS_DIR / "dtm_location_assessment.md",
    ),
    ShippedForm(
        "dtm_emergency_tracking",
        FormKind.EMERGENCY_TRACKING,
        FORMS_DIR / "dtm_emergency_tracking.md",
    ),
)


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


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The location list as an organisation's forms load it: governorates, districts, and the
    locations it may name (its own and the canonical master list's), as CSV.

    ``name`` is the p-code (governorates, districts) or the master list's place id (locations);
    the extra columns are what the forms filter on.
    """
    units = list(
        AdminUnit.objects.filter(level__in=(1, 2, 3)).values_list(
            "pk", "pcode", "level", "parent_id", "name_en", "name_ar"
        )
    )
    by_pk = {pk: (pcode, level, parent) for pk, pcode, level, parent, _en, _ar in units}

    def ancestor(pk: int | None, level: int) -> str:
        while pk is not None and pk in by_pk:
            pcode, unit_level, parent = by_pk[pk]
            if unit_level == level:
                return pcode
            pk = parent
        return ""

    header = ["name", "label", "label::English (en)", "label::Arabic (ar)"]
    governorates = [header] + [
        [pcode, name_en, name_en, name_ar or name_en]
        for _pk, pcode, level, _parent, name_en, name_ar in units
        if level == 1
    ]
    districts = [[*header, "governorate"]] + [
        [pcode, name_en, name_en, name_ar or name_en, ancestor(parent, 1)]
        for _pk, pcode, level, parent, name_en, name_ar in units
        if level == 2
    ]
    locations = [[*header, "governorate", "district"]]
    usable = geo_selectors.locations_usable(
        organisation_id=organisation_id, kind=LocationKind.DTM_PLACE
    )
    for external_id, name_en, name_ar, unit_id in sorted(
        (loc.external_id, loc.name_en, loc.name_ar, loc.admin_unit_id)
        for loc in usable.values()
        if loc.admin_unit_id is not None
    ):
        district = ancestor(unit_id, 2)
        if not district:
            continue  # a location known only to its governorate cannot be chosen by district
        label = f"{name_en} ({external_id})"
        locations.append(
            [external_id, label, label, name_ar or label, ancestor(unit_id, 1), district]
        )
    return {
        "governorates.csv": _csv(governorates),
        "districts.csv": _csv(districts),
        "locations.csv": _csv(locations),
    }


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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _collect(element: Element, values: dict[str, Any]) -> None:
    """Leaves by name; a repeat (an element name seen more than once with children) as a list."""
    for child in element:
        name = _local(child.tag)
        if len(child):
            if name == "meta":
                continue
            inner: dict[str, Any] = {}
            _collect(child, inner)
            if name in REPEATS:
                if not isinstance(values.get(name), list):
                    values[name] = []  # a malformed instance may have sent it as a value first
                values[name].append(inner)
            else:
                values.update(inner)
        else:
            values[name] = (child.text or "").strip()


# Repeat groups of the shipped forms; other groups are flattened into their leaves.
REPEATS = {"origin"}


def parse_instance(xml: bytes) -> Instance:
    """Read a submitted instance (untrusted XML, parsed with defusedxml)."""
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
    values: dict[str, Any] = {}
    try:
        _collect(root, values)
        redacted = _redact(root, values)
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
    )


def _redact(root: Element, values: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Take the key informant's fields out of the instance: their values, and the XML without
    them."""
    personal: dict[str, str] = {}
    for element in root.iter():
        key = PERSONAL_FIELDS.get(_local(element.tag))
        if key is not None:
            personal[key] = (element.text or "").strip()
            element.text = None
    for name in PERSONAL_FIELDS:
        values.pop(name, None)
    return personal, safe_xml.tostring(root, encoding="unicode")
