"""Owning your data: the export (GDPR art. 20) and erasure (art. 17).

Export
    ``export_request`` records a ``DataExport`` and queues the Celery task after
    commit; ``export_build`` (called by the task) builds the zip only while the
    export is still pending, so a retried or duplicated task changes nothing.
    A ready export can be downloaded by its owner until ``expires_at``;
    ``export_expire_sweep`` (periodic) deletes the files of expired ones.

Erasure
    ``account_erase`` is what the README's "Export and deletion" paragraph
    promises, step by step. In short: leave the couple space (the partner sees
    only the neutral closed-space notice), delete the person's private writing,
    hand the shared writing the former partner has a stake in to a per-erasure
    tombstone user ("Former partner"), end the sessions, delete the account.
    A therapist whose reads are in a couple's append-only access log is
    deactivated and scrubbed instead of deleted, because those log rows must
    keep pointing at a user row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import end_other_sessions
from accounts.models import (
    AccessLogEntry,
    Couple,
    DataExport,
    Invitation,
    Membership,
    OnboardingResponse,
    SafetyCheck,
    TherapistInvitation,
    TherapistLink,
    TherapistNote,
    TherapistProfile,
    User,
)
from accounts.services.leaving import couple_leave
from exercises.models import (
    Appreciation,
    CheckIn,
    Delivery,
    Notification,
    PromptPreference,
    Question,
    Recommendation,
    Statement,
)
from exercises.models.choices import Visibility
from trustrepair.rowsecurity.identity import acting_as

from . import emails
from .export import build_zip

EXPORT_TTL = timedelta(days=7)
# A second request while one is still being prepared returns that one (double clicks,
# a second tab); after this long a pending export is assumed lost and a new one may start.
PENDING_REUSE = timedelta(minutes=15)
STUCK_AFTER = timedelta(days=1)

TOMBSTONE_NAME = "Former partner"
DEACTIVATED_THERAPIST_NAME = "Former therapist"
ERASED_DOMAIN = "erased.invalid"


# --- Export -------------------------------------------------------------------------------------


def export_request(*, user: User) -> DataExport:
    """Ask for a new export; the Celery task is queued once the request has committed."""
    from accounts.tasks import export_build_task

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # serialise two clicks of the same person
        pending = DataExport.objects.filter(
            user=user, status=DataExport.Status.PENDING, created_at__gte=timezone.now() - PENDING_REUSE
        ).first()
        if pending is not None:
            return pending
        export = DataExport.objects.create(user=user)
        export_build_task.delay_on_commit(export.pk, user.pk)
    return export


def export_build(*, export_id: int) -> DataExport | None:
    """Build the zip of a pending export and mark it ready; anything else is left as it is.

    Safe to run twice (a retry, a duplicated message, two workers): the zip is
    built outside the transaction, then the row is locked and only a still
    pending export takes the file; a loser deletes the file it wrote.
    """
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export
    payload = build_zip(export.user)
    stored = default_storage.save(f"exports/trustrepair-{uuid.uuid4().hex}.zip", ContentFile(payload))
    try:
        with transaction.atomic():
            locked = DataExport.objects.select_for_update().select_related("user").filter(pk=export_id).first()
            if locked is None or locked.status != DataExport.Status.PENDING:
                default_storage.delete(stored)
                return locked
            now = timezone.now()
            locked.file.name = stored
            locked.status = DataExport.Status.READY
            locked.ready_at = now
            locked.expires_at = now + EXPORT_TTL
            locked.save(update_fields=["file", "status", "ready_at", "expires_at"])
            Notification.objects.create(
                user=locked.user,
                kind="export_ready",
                title="Your data download is ready",
                body=f"You can download it for the next {EXPORT_TTL.days} days.",
                url=reverse("data:index"),
            )
            transaction.on_commit(lambda: emails.export_ready(locked), robust=True)
    except BaseException:
        default_storage.delete(stored)
        raise
    return locked


def export_mark_failed(*, export_id: int) -> None:
    DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(status=DataExport.Status.FAILED)


def export_is_expired(export: DataExport, now=None) -> bool:
    now = now or timezone.now()
    return export.status == DataExport.Status.EXPIRED or (export.expires_at is not None and export.expires_at <= now)


def export_expire_sweep(*, now=None) -> int:
    """Delete the files of exports past their expiry; mark exports stuck in "pending" as failed.

    Each export is claimed with a conditional UPDATE (status ready -> expired),
    so two sweeps running at once delete each file once. Downloads check
    ``expires_at`` themselves, so a late sweep never keeps a file reachable.
    Returns the number of files deleted.
    """
    now = now or timezone.now()
    deleted = 0
    for export_id, name in (
        DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
        .values_list("pk", "file")
        .iterator()
    ):
        claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.READY).update(
            status=DataExport.Status.EXPIRED, file=""
        )
        if claimed == 1 and name:
            default_storage.delete(name)
            deleted += 1
    DataExport.objects.filter(status=DataExport.Status.PENDING, created_at__lte=now - STUCK_AFTER).update(
        status=DataExport.Status.FAILED
    )
    return deleted


# --- Erasure ------------------------------------------------------------------------------------


@dataclass
class Erasure:
    deleted: bool  # False: a therapist kept as a scrubbed, inactive row for the access log
    tombstone_id: int | None = None
    partner_ids: list[int] = field(default_factory=list)


def _new_placeholder(display_name: str) -> tuple[str, str]:
    return f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}", display_name


def _tombstone() -> User:
    """A user that can never sign in or be prompted, standing in for the erased person in shared writing."""
    email, name = _new_placeholder(TOMBSTONE_NAME)
    tombstone = User(email=email, display_name=name, is_active=False, prompts_paused=True, time_zone="UTC")
    tombstone.set_unusable_password()
    tombstone.save()
    return tombstone


def _delete_private_writing(user: User) -> list[str]:
    """Delete what only this person could read (or what nobody else has read yet). Returns export files to remove."""
    # Locked first: an export task finishing right now commits its file name before we read it.
    locked = DataExport.objects.select_for_update().filter(user=user).values_list("file", flat=True)
    files = [name for name in locked if name]
    DataExport.objects.filter(user=user).delete()
    SafetyCheck.objects.filter(user=user).delete()
    OnboardingResponse.objects.filter(user=user).delete()  # with its fractures and baselines
    CheckIn.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    PromptPreference.objects.filter(user=user).delete()
    Delivery.objects.filter(user=user).delete()
    Statement.objects.filter(author=user, visibility=Visibility.PRIVATE).delete()
    Question.objects.filter(asker=user, visibility=Visibility.PRIVATE).delete()
    Appreciation.objects.filter(sender=user, visibility=Visibility.PRIVATE).delete()
    # Their address in invitations someone sent them: personal data with no use once the space closed.
    addresses = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    for address in addresses:
        Invitation.objects.filter(email__iexact=address).update(email="")
        TherapistInvitation.objects.filter(email__iexact=address).update(email="", withdrawn_at=timezone.now())
    return files


def _erase_writing_in_couples(user: User, tombstone: User | None) -> None:
    """Their unread step-by-step answers go; shared rows the former partner has a stake in keep existing,
    now written by "Former partner" (the stand-in), in every couple the person was in.

    One database function (trustrepair/rowsecurity/migrations/0002_erase_writing.py): it reaches the
    rows of couples the person already left, which row security no longer shows them.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT tr_erase_writing(%s, %s)", [user.pk, tombstone.pk if tombstone else None])


def _end_therapist_work(user: User, now) -> None:
    TherapistLink.objects.filter(therapist=user, ended_at__isnull=True).update(ended_at=now)
    TherapistNote.objects.filter(therapist=user).delete()
    Recommendation.objects.filter(therapist=user).delete()


def _deactivate(user: User) -> None:
    """Keep the row (the access log points at it) but nothing that identifies the person or lets them in."""
    user.email, user.display_name = _new_placeholder(DEACTIVATED_THERAPIST_NAME)
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.prompts_paused = True
    user.last_login = None
    user.time_zone = "UTC"
    user.set_unusable_password()  # also invalidates every session through the session auth hash
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    TherapistProfile.objects.filter(user=user).delete()


@transaction.atomic
def account_erase(*, user: User) -> Erasure:
    """Erase a person's account (see the module docstring and the README). Irreversible.

    It acts for the person themselves, whoever calls it: row security then lets it reach
    exactly their rows (and ``tr_erase_writing`` those of couples they left).
    """
    with acting_as(user.pk):
        return _erase(user)


def _erase(user: User) -> Erasure:
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    # Queryset updates below send no signals: every couple the person was in (or treated) gets a new version.
    touched = set(Membership.objects.filter(user=user).values_list("couple_id", flat=True))
    touched |= set(TherapistLink.objects.filter(therapist=user).values_list("couple_id", flat=True))

    partners = []
    for couple in Couple.objects.for_user(user).prefetch_related("memberships__user"):
        partner = couple.partner_of(user)
        couple_leave(couple=couple, user=user)
        if partner is not None:
            partners.append(partner)

    files = _delete_private_writing(user)
    tombstone = _tombstone() if Membership.objects.filter(user=user).exists() else None
    _erase_writing_in_couples(user, tombstone)
    _end_therapist_work(user, now)

    # The partner heard from couple_leave, exactly as after a leaving: nothing here may tell them more.
    # robust: a mail server or disk hiccup after the commit is logged; it never undoes or hides the erasure.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files], robust=True)

    # Sessions end now, whatever happens to the row: every remembered session key of the
    # person is deleted from the session store (O(their own sessions)). A session the cache
    # forgot cannot outlive this either: it points at a deleted (or password-less, inactive) user.
    end_other_sessions(user.pk, keep=None)

    result = Erasure(
        deleted=True, tombstone_id=tombstone.pk if tombstone else None, partner_ids=[p.pk for p in partners]
    )
    if AccessLogEntry.objects.filter(therapist=user).exists():
        _deactivate(user)
        result.deleted = False
    else:
        user.delete()  # allauth email addresses, two-factor devices and whatever else hangs on the user go with it
    return result
