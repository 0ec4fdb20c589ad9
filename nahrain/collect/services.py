"""Writes of field data collection: collector accounts, form publishing, receiving submissions
(idempotent by instanceID), and the review that accepts or rejects them through each form's
handler."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nahrain.collect import formview, handlers, xforms

# Raised by the handlers; the views catch it from here, with the other refusals.
from nahrain.collect.access import DEFAULT_REVIEWERS
from nahrain.collect.handlers import NotAcceptable as NotAcceptable
from nahrain.collect.models import (
    Collector,
    DigestNonce,
    Form,
    FormMedia,
    FormVersion,
    KeyInformant,
    Submission,
    SubmissionAttachment,
    SubmissionStatus,
)
from nahrain.core.models import Organisation
from nahrain.core.problems import Problem, Severity
from nahrain.core.services import audit_record


class SubmissionRefused(Exception):
    """The request cannot be taken as a submission (no such form, unreadable XML)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SubmissionConflict(Exception):
    """Another submission with the same instanceID but different content was received before."""


# ---------------------------------------------------------------------------- collectors


def _digest_ha1(username: str, password: str) -> str:
    realm = settings.NAHRAIN_COLLECT_REALM
    # MD5 is what RFC 2617 Digest and ODK Collect use; it is not a password store on its own.
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


def _new_password() -> str:
    # 20 characters from an alphabet that survives being read aloud or typed on a phone.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


@transaction.atomic
def digest_nonce_use(*, nonce: str, count: int, expires: int) -> bool:
    """Record that a Digest header with this nonce and nonce count was accepted; False when
    the count is not higher than one accepted before (a replay, or a header without qop whose
    nonce was used already). ``expires`` is the nonce's expiry as a Unix time."""
    now = timezone.now()
    DigestNonce.objects.filter(expires_at__lt=now).delete()
    if DigestNonce.objects.filter(nonce=nonce, count__lt=count).update(count=count):
        return True
    try:
        with transaction.atomic():
            DigestNonce.objects.create(
                nonce=nonce,
                count=count,
                expires_at=datetime.fromtimestamp(expires, tz=UTC),
            )
    except IntegrityError:
        return False  # the nonce is known with this count or a higher one
    return True


@transaction.atomic
def collector_create(
    *, actor: User, organisation: Organisation, username: str, display_name: str = ""
) -> tuple[Collector, str]:
    """Open a data-collector account; returns it and its password (shown once, never stored)."""
    password = _new_password()
    collector = Collector(
        organisation=organisation,
        username=username.strip(),
        display_name=display_name.strip(),
        password_hash=make_password(password),
        digest_ha1=_digest_ha1(username.strip(), password),
        created_by=actor,
    )
    collector.full_clean()
    collector.save()
    audit_record(
        actor=actor,
        action="collector.create",
        object_type="collector",
        object_id=collector.uid,
        organisation=organisation,
    )
    return collector, password


@transaction.atomic
def collector_password_reset(*, actor: User, collector: Collector) -> str:
    """Give a collector a new password (the old one stops working); returns it once."""
    password = _new_password()
    collector.password_hash = make_password(password)
    collector.digest_ha1 = _digest_ha1(collector.username, password)
    collector.save(update_fields=["password_hash", "digest_ha1"])
    audit_record(
        actor=actor,
        action="collector.password_reset",
        object_type="collector",
        object_id=collector.uid,
        organisation=collector.organisation,
    )
    return password


@transaction.atomic
def collector_revoke(*, actor: User, collector: Collector) -> Collector:
    """Revoke a collector account for good: its requests are refused from now on."""
    if collector.revoked_at is None:
        collector.revoked_at = timezone.now()
        collector.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="collector.revoke",
            object_type="collector",
            object_id=collector.uid,
            organisation=collector.organisation,
        )
    return collector


# ---------------------------------------------------------------------------- forms


@transaction.atomic
def forms_publish(*, actor: User | None, organisation: Organisation) -> list[FormVersion]:
    """Compile the XLSForms of every registered form handler with pyxform and publish them for
    an organisation.

    A form whose compiled XForm is unchanged keeps its version; its media files (what the
    handler builds for the organisation, such as the location list) are refreshed, which the
    manifest's hashes tell the apps. A changed XForm must carry a new version string.
    """
    published = []
    for handler in handlers.all_handlers():
        source = handler.xlsform.read_text(encoding="utf-8")
        compiled = xforms.compile_xlsform(source)
        if compiled.form_id != handler.form_id:
            raise xforms.FormCompileError(
                f"{handler.xlsform.name} says form_id {compiled.form_id!r}, "
                f"its handler {handler.form_id!r}"
            )
        media = handler.media(organisation.pk)
        missing = sorted(set(compiled.media) - set(media))
        if missing:
            raise xforms.FormCompileError(
                f"{handler.xlsform.name} loads {', '.join(missing)}, "
                "which its handler does not make"
            )
        form, _created = Form.objects.update_or_create(
            organisation=organisation,
            form_id=compiled.form_id,
            defaults={"title": compiled.title},
        )
        version = FormVersion.objects.filter(form=form, version=compiled.version).first()
        if version is not None and version.md5 != compiled.md5:
            raise xforms.FormCompileError(
                f"{handler.xlsform.name} changed but still says version {compiled.version}: "
                "give it a new version in its settings sheet"
            )
        if version is None:
            version = FormVersion.objects.create(
                form=form,
                version=compiled.version,
                xlsform=source,
                xml=compiled.xml,
                md5=compiled.md5,
                published_by=actor,
            )
        for filename in compiled.media:
            data = media[filename]
            FormMedia.objects.update_or_create(
                form_version=version,
                filename=filename,
                defaults={"data": data, "md5": xforms.md5_hex(data), "content_type": "text/csv"},
            )
        audit_record(
            actor=actor,
            action="form.publish",
            object_type="form_version",
            object_id=version.uid,
            organisation=organisation,
            detail={"form_id": form.form_id, "version": version.version},
        )
        published.append(version)
    return published


@transaction.atomic
def form_media_refresh(*, organisation: Organisation, form_id: str) -> list[str]:
    """Rebuild the media of the organisation's current version of a form from its handler, and
    say which files changed. What a form lists changes between publications (a distribution
    planned, a sample drawn): the apps that write it call this once they commit, and the
    manifest's new hashes tell ODK Collect to download the files again. Nothing happens to a
    form not published for the organisation.

    The version is locked while its media are built, so two refreshes one after the other
    cannot leave the older list last."""
    handler = handlers.handler_for(form_id)
    version = (
        FormVersion.objects.select_for_update(of=("self",))
        .filter(form__organisation=organisation, form__form_id=form_id)
        .order_by("-published_at", "-pk")
        .first()
    )
    if handler is None or version is None:
        return []
    media = handler.media(organisation.pk)
    changed = []
    for stored in FormMedia.objects.filter(form_version=version, filename__in=media):
        data = media[stored.filename]
        md5 = xforms.md5_hex(data)
        if md5 != stored.md5:
            stored.data, stored.md5 = data, md5
            stored.save(update_fields=["data", "md5", "updated_at"])
            changed.append(stored.filename)
    if changed:
        audit_record(
            actor=None,
            action="form.media_refresh",
            object_type="form_version",
            object_id=version.uid,
            organisation=organisation,
            detail={"form_id": form_id, "version": version.version, "files": changed},
        )
    return changed


def form_media_refresh_on_commit(*, organisation: Organisation, form_id: str) -> None:
    """``form_media_refresh`` once the caller's transaction commits (what the media list is
    then visible); a failure is logged and leaves the write committed, the next refresh or
    publication mending the media."""
    transaction.on_commit(
        lambda: form_media_refresh(organisation=organisation, form_id=form_id), robust=True
    )


# ---------------------------------------------------------------------------- submissions


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Received:
    submission: Submission
    created: bool  # something new was stored (201) or it was all known already (202)


def _submission_file(submission: Submission) -> str:
    return f"submission {submission.instance_id}"


def _handler(form: Form) -> handlers.FormHandler:
    handler = handlers.handler_for(form.form_id)
    if handler is None:
        # A form published by an app that is no longer installed.
        raise SubmissionRefused(f"form {form.form_id!r} has no handler here", 404)
    return handler


def _attachments_add(submission: Submission, attachments: list[Attachment]) -> int:
    known = set(submission.attachments.values_list("filename", flat=True))
    added = 0
    for attachment in attachments:
        if attachment.filename in known:
            continue
        SubmissionAttachment.objects.create(
            submission=submission,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:100],
            data=attachment.data,
            md5=xforms.md5_hex(attachment.data),
        )
        known.add(attachment.filename)
        added += 1
    return added


def submission_receive(
    *, collector: Collector, xml: bytes, attachments: list[Attachment], incomplete: bool = False
) -> Received:
    """Take a submission from a collector: stored once per instanceID, whatever happens.

    The same instanceID with the same XML adds only attachments not seen before (a submission
    split over several requests) and otherwise changes nothing; with other XML it is refused
    (``SubmissionConflict``). The database's unique constraint on (form, instanceID) decides
    between requests racing each other. An instance naming a ``deprecatedID`` is an edit: the
    submission it replaces leaves the review queue if it was still waiting there.
    """
    try:
        instance = xforms.parse_instance(xml, layout=handlers.instance_layout)
    except xforms.InstanceError as failed:
        raise SubmissionRefused(str(failed)) from failed
    form = Form.objects.filter(
        organisation_id=collector.organisation_id, form_id=instance.form_id
    ).first()
    version = (
        FormVersion.objects.filter(form=form, version=instance.version).first() if form else None
    )
    if form is None or version is None:
        raise SubmissionRefused(
            f"form {instance.form_id!r} version {instance.version!r} is not published here", 404
        )
    handler = _handler(form)
    # Keyed: the XML as sent holds the key informant's phone number, which an unkeyed digest
    # of a small guessable space would give away to whoever reads the table.
    digest = hmac.new(settings.SECRET_KEY.encode(), xml, hashlib.sha256).hexdigest()[:32]
    try:
        with transaction.atomic():
            submission = _submission_create(
                collector=collector,
                handler=handler,
                form=form,
                version=version,
                instance=instance,
                digest=digest,
                incomplete=incomplete,
            )
            _attachments_add(submission, attachments)
            if handler.receive is not None:
                _received_into_app(handler, submission, instance)
            return Received(submission, created=True)
    except IntegrityError:
        pass  # another request stored this instanceID first: compare with it below
    except NotAcceptable as refused:
        # Nothing was stored: the phone keeps the form, and shows why.
        raise SubmissionRefused(str(refused)) from refused
    with transaction.atomic():
        existing = (
            Submission.objects.select_for_update()
            .filter(form=form, instance_id=instance.instance_id)
            .first()
        )
        if existing is None:
            # The unique constraint that failed was the edit's: this original is edited already.
            raise SubmissionConflict(f"{instance.deprecated_id} has been edited already")
        if existing.xml_md5 != digest:
            raise SubmissionConflict(
                f"instance {instance.instance_id} was received before with other content"
            )
        added = _attachments_add(existing, attachments)
        completed = not incomplete and not existing.complete
        if completed:
            existing.complete = True
            existing.save(update_fields=["complete"])
        return Received(existing, created=bool(added or completed))


def _submission_create(
    *,
    collector: Collector,
    handler: handlers.FormHandler,
    form: Form,
    version: FormVersion,
    instance: xforms.Instance,
    digest: str,
    incomplete: bool,
) -> Submission:
    deprecated = None
    if instance.deprecated_id:
        deprecated = (
            Submission.objects.select_for_update()
            .filter(form=form, instance_id=instance.deprecated_id)
            .first()
        )
    file = f"submission {instance.instance_id}"
    # A form received into its app on arrival is checked with its withheld answers too; an
    # error refuses it (there is no review to correct it in), and only the problems of answers
    # kept here are kept.
    values = {**instance.values, **instance.withheld}
    checked = handler.check(collector.organisation_id, values, file)
    problems = [p for p in checked.problems if p.column not in handler.withheld]
    if handler.receive is not None:
        errors = [p for p in checked.problems if p.severity is Severity.ERROR]
        if errors:
            raise NotAcceptable(errors)
    submission = Submission.objects.create(
        form=form,
        form_version=version,
        organisation_id=collector.organisation_id,
        collector=collector,
        instance_id=instance.instance_id,
        deprecated=deprecated,
        xml=instance.redacted_xml,
        xml_md5=digest,
        complete=not incomplete,
        data=instance.values,
        batch=checked.batch[:40],
        problems=[p.as_dict() for p in problems],
    )
    if instance.personal:
        KeyInformant.objects.create(
            submission=submission,
            organisation_id=collector.organisation_id,
            name=instance.personal.get("name", "")[:200],
            phone=instance.personal.get("phone", "")[:40],
        )
    if deprecated is not None and deprecated.status == SubmissionStatus.RECEIVED:
        deprecated.status = SubmissionStatus.SUPERSEDED
        deprecated.save(update_fields=["status"])
    Collector.objects.filter(pk=collector.pk).update(last_seen_at=timezone.now())
    audit_record(
        actor=None,
        action="submission.receive",
        object_type="submission",
        object_id=submission.uid,
        organisation=submission.organisation,
        detail={
            "collector": str(collector.uid),
            "form_id": form.form_id,
            "errors": sum(1 for p in problems if p.severity is Severity.ERROR),
        },
    )
    return submission


def _received_into_app(
    handler: handlers.FormHandler, submission: Submission, instance: xforms.Instance
) -> None:
    """Hand a submission to the app whose form takes it on arrival (``FormHandler.receive``),
    with the answers it withholds from ``collect``, and record it accepted: no one reviews it.
    """
    assert handler.receive is not None
    submission.accepted = handler.receive(
        submission, dict(instance.withheld), _submission_file(submission)
    )
    submission.status = SubmissionStatus.ACCEPTED
    submission.reviewed_at = timezone.now()
    submission.save(update_fields=["accepted", "status", "reviewed_at"])
    audit_record(
        actor=None,
        action="submission.accept",
        object_type="submission",
        object_id=submission.uid,
        organisation=submission.organisation,
        detail={"form_id": submission.form.form_id, "on_receipt": True},
    )


def _not_waiting(submission: Submission) -> NotAcceptable:
    """The refusal to review a submission that no longer waits for it."""
    status = submission.get_status_display()
    return NotAcceptable(
        [
            Problem(
                _submission_file(submission),
                None,
                "",
                "status",
                _("The submission is “%(status)s”.") % {"status": status},
            )
        ]
    )


@transaction.atomic
def submission_accept(*, actor: User, submission: Submission) -> Submission:
    """Accept a submission into the figures: its form's handler checks it again and does what
    accepting means there (a DTM location assessment sets the location's figures in its draft
    round). Raises ``NotAcceptable`` with the problems when it cannot go in."""
    locked = Submission.objects.select_for_update().select_related("form").get(pk=submission.pk)
    file = _submission_file(locked)
    if locked.status != SubmissionStatus.RECEIVED or not locked.complete:
        raise _not_waiting(locked)
    try:
        handler = _handler(locked.form)
    except SubmissionRefused as refused:
        raise NotAcceptable([Problem(file, None, "", "no_handler", str(refused))]) from refused
    # Checked again whatever the handler's accept does: the review screen offers "accept" only
    # without errors, and no other path may take a submission with errors into the figures.
    errors = [
        p
        for p in handler.check(locked.organisation_id, locked.data, file).problems
        if p.severity is Severity.ERROR
    ]
    if errors:
        raise NotAcceptable(errors)
    locked.accepted = handler.accept(actor, locked, file)
    locked.status = SubmissionStatus.ACCEPTED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "accepted", "problems"])
    audit_record(
        actor=actor,
        action="submission.accept",
        object_type="submission",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={"form_id": locked.form.form_id},
    )
    return locked


def _value_set(data: dict[str, object], key: str, value: str) -> None:
    """Set the value an answer key names: ``name``, or ``repeat.index.name`` in a repeat."""
    if "." not in key:
        data[key] = value
        return
    repeat, index, name = key.split(".")
    entries = data[repeat]
    assert isinstance(entries, list)
    entries[int(index)][name] = value


@transaction.atomic
def submission_correct(
    *, actor: User, submission: Submission, values: Mapping[str, str]
) -> list[str]:
    """Correct answers of a submission waiting for review, then check it again (its problems
    and batch follow the corrected values). Returns the keys of the answers that changed.

    ``values`` maps answer keys (``name``, or ``repeat.index.name`` in a repeat) to the new
    values; keys the form does not have, and its personal fields (kept apart, never here), are
    ignored. What was sent stays in the submission's XML, so the original of every corrected
    value is kept. The audit entry names the corrected questions but holds no value: free text
    may name a person.
    """
    locked = (
        Submission.objects.select_for_update()
        .select_related("form", "form_version", "organisation")
        .get(pk=submission.pk)
    )
    file = _submission_file(locked)
    if locked.status != SubmissionStatus.RECEIVED:
        raise _not_waiting(locked)
    handler = _handler(locked.form)
    current = formview.flat_values(locked.data, formview.form_layout(locked.form_version.xlsform))
    changed = [
        key
        for key, value in values.items()
        if key in current
        and key.rsplit(".", 1)[-1] not in handler.personal
        and current[key] != value.strip()
    ]
    if not changed:
        return []
    data = copy.deepcopy(locked.data)
    for key in changed:
        _value_set(data, key, values[key].strip())
    checked = handler.check(locked.organisation_id, data, file)
    locked.data = data
    locked.problems = [p.as_dict() for p in checked.problems]
    locked.batch = checked.batch[:40]
    # The fields written here; an empty list of problems is what a clean submission has, and
    # the model's other fields (reviewer, ...) are still unset while it waits.
    locked.clean_fields(
        exclude=[f.name for f in Submission._meta.fields if f.name not in ("data", "batch")]
    )
    locked.save(update_fields=["data", "problems", "batch"])
    audit_record(
        actor=actor,
        action="submission.correct",
        object_type="submission",
        object_id=locked.uid,
        organisation=locked.organisation,
        detail={
            "form_id": locked.form.form_id,
            "fields": changed,
            "errors": sum(1 for p in checked.problems if p.severity is Severity.ERROR),
        },
    )
    return changed


@transaction.atomic
def submission_reject(*, actor: User, submission: Submission, reason: str) -> Submission:
    """Reject a submission with a reason; it stays on record and never reaches the figures."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    locked = Submission.objects.select_for_update().select_related("form").get(pk=submission.pk)
    if locked.status != SubmissionStatus.RECEIVED:
        raise _not_waiting(locked)
    handler = handlers.handler_for(locked.form.form_id)
    if handler is not None:  # without one there is nothing beyond the status to undo
        handler.reject(actor, locked)
    locked.status = SubmissionStatus.REJECTED
    locked.reject_reason = reason[:2000]
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=actor,
        action="submission.reject",
        object_type="submission",
        object_id=locked.uid,
        organisation=locked.organisation,
    )
    return locked


def holds_personal_answers(submission: Submission) -> bool:
    """Whether a submission's answers are personal data as a whole (its form names reviewers of
    its own: a household registration's roster of names, ages and health)."""
    handler = handlers.handler_for(submission.form.form_id)
    return handler is not None and handler.reviewers != DEFAULT_REVIEWERS


def submission_read(*, actor: User, submission: Submission, via: str) -> None:
    """Record that a reviewer read a submission whose answers are personal data (ids only)."""
    if holds_personal_answers(submission):
        audit_record(
            actor=actor,
            action="submission.read",
            object_type="submission",
            object_id=submission.uid,
            organisation=submission.organisation,
            detail={"form_id": submission.form.form_id, "via": via},
        )


def key_informant_read(*, actor: User, submission: Submission) -> KeyInformant | None:
    """A submission's key informant (name, phone); every read is audited, values never logged.

    The caller must have passed ``access.access_key_informant``.
    """
    informant = KeyInformant.objects.filter(submission=submission).first()
    audit_record(
        actor=actor,
        action="key_informant.read",
        object_type="submission",
        object_id=submission.uid,
        organisation=submission.organisation,
        detail={"found": informant is not None},
    )
    return informant
