"""How long a signed-in session lives, and ending every session of a user at once.

- Idle timeout: ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST`` (settings): each request pushes the
  expiry forward, so a session ends that long after its last request.
- Absolute timeout: the sign-in time is stored in the session here; ``StaffSessionMiddleware`` ends a session older
  than ``SESSION_ABSOLUTE_SECONDS`` however active it is, and one without a sign-in time.
- Rotation: Django's ``login()`` gives the session a new key (``cycle_key``); passing two-factor verification
  rotates it again (``twofactor.otp_verify``).
- Deactivation: saving a user with ``is_active=False`` deletes all their sessions (the receiver below). Django's
  ``ModelBackend`` would also refuse them on their next request; deleting the rows makes that immediate and
  independent of the backend. ``QuerySet.update(is_active=False)`` sends no signal: call ``user_sessions_end``.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

SIGNED_IN_AT_KEY = "_onestop_signed_in_at"


def session_signed_in_at(session) -> float | None:
    """The epoch time at which this session's user signed in, or None when it was not recorded."""
    value = session.get(SIGNED_IN_AT_KEY)
    return float(value) if isinstance(value, int | float) else None


def session_is_past_absolute_limit(session, *, now: float | None = None) -> bool:
    """True when the signed-in session began more than ``SESSION_ABSOLUTE_SECONDS`` ago, or when its start is
    unknown (a session from before this rule, or one written by other means): such a session cannot prove its
    age, so it is ended too."""
    started = session_signed_in_at(session)
    if started is None:
        return True
    return (now if now is not None else time.time()) - started > settings.SESSION_ABSOLUTE_SECONDS


def user_sessions_end(*, user_id: int) -> int:
    """Delete every unexpired database session that belongs to ``user_id``; returns how many were deleted.

    Sessions carry no indexed user column, so the live ones (unexpired: with the idle timeout, those used in the
    last ``SESSION_COOKIE_AGE`` seconds) are decoded one by one; expired rows are no longer usable anyway.
    """
    wanted = str(user_id)
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id", "")) == wanted
    ]
    if doomed:
        Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


@receiver(user_logged_in, dispatch_uid="onestop-session-signed-in-at")
def _record_sign_in_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT_KEY] = int(time.time())


@receiver(post_save, sender=get_user_model(), dispatch_uid="onestop-end-sessions-of-inactive-user")
def _end_sessions_of_deactivated_user(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        user_sessions_end(user_id=instance.pk)
