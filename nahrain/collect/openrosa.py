"""The OpenRosa 1.0 documents: form list, manifest, submission response; and reading a
submission body (sized, possibly chunked) into its parts."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.http import http_date

from nahrain.collect.services import Attachment

XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"


def with_headers(response: HttpResponse) -> HttpResponse:
    """Headers every OpenRosa response carries."""
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def with_submission_headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Accept-Content-Length"] = str(settings.NAHRAIN_COLLECT_MAX_BODY)
    return with_headers(response)


def _xml(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _child(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


@dataclass
class FormEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str | None


def form_list(entries: Iterable[FormEntry]) -> HttpResponse:
    root = ET.Element("xforms", xmlns=XFORMS_LIST_NS)
    for entry in entries:
        xform = ET.SubElement(root, "xform")
        _child(xform, "formID", entry.form_id)
        _child(xform, "name", entry.name)
        _child(xform, "version", entry.version)
        _child(xform, "hash", f"md5:{entry.md5}")
        _child(xform, "downloadUrl", entry.download_url)
        if entry.manifest_url:
            _child(xform, "manifestUrl", entry.manifest_url)
    return with_headers(HttpResponse(_xml(root), content_type=XML_CONTENT_TYPE))


def manifest(files: Iterable[tuple[str, str, str]]) -> HttpResponse:
    """``files``: (filename, md5, download URL)."""
    root = ET.Element("manifest", xmlns=MANIFEST_NS)
    for filename, md5, url in files:
        media = ET.SubElement(root, "mediaFile")
        _child(media, "filename", filename)
        _child(media, "hash", f"md5:{md5}")
        _child(media, "downloadUrl", url)
    return with_headers(HttpResponse(_xml(root), content_type=XML_CONTENT_TYPE))


def message(status: int, text: str, *, nature: str = "") -> HttpResponse:
    """An ``OpenRosaResponse`` whose message the app shows to the collector."""
    root = ET.Element("OpenRosaResponse", xmlns=RESPONSE_NS)
    element = _child(root, "message", text)
    if nature:
        element.set("nature", nature)
    response = HttpResponse(_xml(root), content_type=XML_CONTENT_TYPE, status=status)
    return with_submission_headers(response)


class BodyError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def read_body(request: HttpRequest) -> bytes:
    """The request body, refused past ``NAHRAIN_COLLECT_MAX_BODY`` (413).

    With a Content-Length the limit is checked before reading. A chunked body has none: it is
    read from the server's de-chunked input (gunicorn sets ``wsgi.input_terminated``) until its
    end or the limit. A server that passes chunks on undecoded gets 411.
    """
    limit = settings.NAHRAIN_COLLECT_MAX_BODY
    length_header = request.META.get("CONTENT_LENGTH") or ""
    if length_header:
        try:
            length = int(length_header)
        except ValueError:
            raise BodyError(400, "Content-Length is not a number") from None
        if length > limit:
            raise BodyError(413, f"the submission is larger than {limit} bytes")
        return request.read(length)
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return b""
    if not request.META.get("wsgi.input_terminated"):
        raise BodyError(411, "this server cannot read chunked bodies; send a Content-Length")
    stream: Any = request.META["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    while True:
        block = stream.read(64 * 1024)
        if not block:
            return b"".join(parts)
        size += len(block)
        if size > limit:
            raise BodyError(413, f"the submission is larger than {limit} bytes")
        parts.append(block)


@dataclass
class SubmissionParts:
    xml: bytes
    attachments: list[Attachment]
    incomplete: bool


def parse_submission(request: HttpRequest, body: bytes) -> SubmissionParts:
    """Split a multipart submission: ``xml_submission_file``, the attachments, and the
    ``*isIncomplete*`` flag of a submission sent over several requests."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/form-data"):
        raise BodyError(400, "a submission is multipart/form-data")
    meta = {**request.META, "CONTENT_LENGTH": str(len(body))}
    try:
        fields, files = MultiPartParser(
            meta, io.BytesIO(body), request.upload_handlers, request.encoding
        ).parse()
    except MultiPartParserError as failed:
        raise BodyError(400, f"the multipart body cannot be read: {failed}") from None
    xml_file = files.get("xml_submission_file")
    if xml_file is not None:
        xml = xml_file.read()
    elif "xml_submission_file" in fields:
        xml = str(fields["xml_submission_file"]).encode("utf-8")
    else:
        raise BodyError(400, "the xml_submission_file part is missing")
    attachments = [
        Attachment(
            filename=upload.name or name,
            content_type=upload.content_type or "application/octet-stream",
            data=upload.read(),
        )
        for name, uploads in files.lists()
        if name != "xml_submission_file"
        for upload in uploads
    ]
    incomplete = str(fields.get("*isIncomplete*", "")).lower() in ("yes", "true")
    return SubmissionParts(xml=xml, attachments=attachments, incomplete=incomplete)
