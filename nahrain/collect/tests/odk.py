"""Speaking to the server as ODK Collect does: instances filled from the XForm pyxform compiled,
multipart bodies in Collect's part order and content types, Digest authentication after a
challenge, chunked transfer as a WSGI server delivers it."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from django.test import Client
from django.utils.http import http_date

from nahrain.collect.auth import parse_params

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def fill_instance(
    xform: str,
    values: dict[str, Any],
    *,
    instance_id: str | None = None,
    deprecated_id: str = "",
) -> bytes:
    """An instance of the XForm's primary instance with ``values`` filled in, as Collect saves
    it. Repeats take a list of dicts; unknown names are an error (the form has no such field)."""
    root = ET.fromstring(xform)  # noqa: S314 (compiled by pyxform in the test)
    instance = root.find(f"{{{H}}}head/{{{XF}}}model/{{{XF}}}instance")
    assert instance is not None
    data = instance[0]
    # Collect submits without the namespace of the form's model.
    for element in data.iter():
        element.tag = element.tag.split("}")[-1]
        for attribute in [a for a in element.attrib if a.startswith("{")]:
            del element.attrib[attribute]
    seen = set()
    for parent in list(data.iter()):
        for child in list(parent):
            name = child.tag
            if name in values and isinstance(values[name], list):
                if name in seen:
                    parent.remove(child)
                    continue
                seen.add(name)
                position = list(parent).index(child)
                parent.remove(child)
                for offset, entry in enumerate(values[name]):
                    copy = ET.fromstring(ET.tostring(child))  # noqa: S314
                    for leaf in copy:
                        leaf.text = str(entry.get(leaf.tag, ""))
                    parent.insert(position + offset, copy)
                continue
            if name in values and not len(child):
                child.text = str(values[name])
                seen.add(name)
    unknown = set(values) - seen
    assert not unknown, f"the form has no field {unknown}"
    meta = data.find("meta")
    assert meta is not None
    meta_id = meta.find("instanceID")
    assert meta_id is not None
    meta_id.text = instance_id or f"uuid:{uuid.uuid4()}"
    if deprecated_id:
        ET.SubElement(meta, "deprecatedID").text = deprecated_id
    return b"<?xml version='1.0' ?>" + ET.tostring(data)


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def multipart(
    xml: bytes, attachments: Sequence[tuple[str, str, bytes]] = (), *, incomplete: bool = False
) -> tuple[bytes, str]:
    """A body as Collect builds it: ``xml_submission_file`` first (text/xml), then each
    attachment under its own file name, then ``*isIncomplete*`` when more parts follow."""
    boundary = uuid.uuid4().hex
    parts = [Part("xml_submission_file", "instance.xml", "text/xml", xml)]
    parts += [Part(name, name, ctype, data) for name, ctype, data in attachments]
    if incomplete:
        parts.append(Part("*isIncomplete*", None, None, b"yes"))
    out = io.BytesIO()
    for part in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{part.name}"'
        if part.filename:
            disposition += f'; filename="{part.filename}"'
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if part.content_type:
            out.write(f"Content-Type: {part.content_type}\r\n".encode())
        out.write(b"\r\n" + part.data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Dechunked(io.RawIOBase):
    """The request body as gunicorn hands a chunked request to the application: read in
    pieces, no length known beforehand, end of input at the end of the last chunk."""

    def __init__(self, data: bytes, chunk: int = 1000) -> None:
        self._chunks: Iterator[bytes] = (data[i : i + chunk] for i in range(0, len(data), chunk))
        self._buffer = b""

    def read(self, size: int | None = -1) -> bytes:
        while size is None or size < 0 or len(self._buffer) < size:
            block = next(self._chunks, b"")
            if not block:
                break
            self._buffer += block
        if size is None or size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readable(self) -> bool:
        return True


@dataclass
class Collect:
    """One phone: a server URL, an account, and the Digest nonce it learnt from a challenge."""

    client: Client
    username: str
    password: str
    secure: bool = False
    nonce: str | None = None
    realm: str = ""
    nc: int = 0
    challenges: list[str] = field(default_factory=list)

    def _authorization(self, method: str, uri: str) -> str:
        self.nc += 1
        nc = f"{self.nc:08x}"
        cnonce = uuid.uuid4().hex[:16]
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{method}:{uri}")
        response = _md5(f"{ha1}:{self.nonce}:{nc}:{cnonce}:auth:{ha2}")
        return (
            f'Digest username="{self.username}", realm="{self.realm}", nonce="{self.nonce}", '
            f'uri="{uri}", qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}", '
            f"algorithm=MD5"
        )

    def request(self, method: str, uri: str, **kwargs: Any) -> Response:
        """Send with the cached nonce; on a challenge, learn it and send once more (as Collect)."""
        headers = {"X-OpenRosa-Version": "1.0", "Date": http_date(), **kwargs.pop("headers", {})}
        for _attempt in range(2):
            sent = dict(headers)
            if self.nonce:
                sent["Authorization"] = self._authorization(method, uri)
            response: Response = self.client.generic(
                method, uri, secure=self.secure, headers=sent, **kwargs
            )
            if response.status_code != 401:
                return response
            header = response.headers.get("WWW-Authenticate", "")
            self.challenges.append(header)
            params = parse_params(header.partition(" ")[2])
            self.nonce, self.realm, self.nc = params.get("nonce"), params.get("realm", ""), 0
            if "wsgi.input" in kwargs:
                return response  # a streamed body cannot be sent twice
        return response

    def get(self, uri: str) -> Response:
        return self.request("GET", uri)

    def post(
        self,
        xml: bytes,
        attachments: Sequence[tuple[str, str, bytes]] = (),
        *,
        incomplete: bool = False,
    ) -> Response:
        body, content_type = multipart(xml, attachments, incomplete=incomplete)
        return self.request("POST", "/openrosa/submission", data=body, content_type=content_type)

    def post_chunked(
        self, xml: bytes, attachments: Sequence[tuple[str, str, bytes]] = ()
    ) -> Response:
        """POST with ``Transfer-Encoding: chunked`` and no Content-Length, after a HEAD that
        gets the nonce (Collect sends a HEAD to /submission before every upload)."""
        self.request("HEAD", "/openrosa/submission")
        body, content_type = multipart(xml, attachments)
        return self.request(
            "POST",
            "/openrosa/submission",
            headers={"Transfer-Encoding": "chunked"},
            CONTENT_TYPE=content_type,
            CONTENT_LENGTH="",
            **{"wsgi.input": Dechunked(body), "wsgi.input_terminated": True},
        )

    def media(self, form_id: str) -> dict[str, tuple[str, bytes]]:
        """What the phone sees of a form's media: each file its manifest names, by name, with
        the hash the manifest gives and the content downloaded."""
        listed = self.get(f"/openrosa/formList?formID={form_id}").content.decode()
        found = re.search(r"<manifestUrl>[^<]*(/openrosa/[^<]+)</manifestUrl>", listed)
        assert found is not None, listed
        manifest = self.get(found.group(1)).content.decode()
        return {
            name: (md5, self.get(url).content)
            for name, md5, url in re.findall(
                r"<filename>([^<]+)</filename>\s*<hash>md5:([0-9a-f]+)</hash>\s*"
                r"<downloadUrl>[^<]*(/openrosa/[^<]+)</downloadUrl>",
                manifest,
            )
        }
