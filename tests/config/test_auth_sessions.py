"""Session lifetime for staff: a new key at sign-in, the idle timeout renewed by every request, the absolute
timeout counted from sign-in, and every session ended at once when a user is deactivated."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from config.security.sessions import SIGNED_IN_AT_KEY, user_sessions_end

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"


@pytest.fixture
def staff():
    return UserFactory(username="mediator_sessions")


def test_signing_in_rotates_the_session_key(client, staff):
    client.get("/intake/")  # an anonymous session exists first (the form's draft, the language, …)
    session = client.session
    session["anonymous"] = True
    session.save()
    before = client.cookies["sessionid"].value
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_the_idle_timeout_is_short_and_renewed_by_every_request(client, staff):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client.force_login(staff)
    key = client.cookies["sessionid"].value
    first = Session.objects.get(session_key=key).expire_date
    time.sleep(1.1)
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > first


def test_an_idle_session_has_expired(client, staff):
    from django.utils import timezone

    client.force_login(staff)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_absolute_timeout_ends_an_active_session(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session
    follow = client.get(response["Location"])
    assert "登录已超过最长时限" in follow.content.decode()


def test_a_session_without_a_sign_in_time_is_ended(client, staff):
    client.force_login(staff)
    session = client.session
    del session[SIGNED_IN_AT_KEY]
    session.save()
    assert client.get("/admin/").status_code == 302


def test_deactivating_a_user_ends_all_their_sessions_at_once(client, staff):
    other_client = type(client)()
    client.force_login(staff)
    other_client.force_login(staff)
    bystander = UserFactory(username="bystander")
    third = type(client)()
    third.force_login(bystander)
    keys = {client.cookies["sessionid"].value, other_client.cookies["sessionid"].value}
    assert Session.objects.filter(session_key__in=keys).count() == 2

    staff.is_active = False
    staff.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/cases/").status_code in (401, 403)
    assert third.get("/admin/").status_code == 200  # others keep theirs


def test_user_sessions_end_counts_what_it_ended(client, staff):
    client.force_login(staff)
    assert user_sessions_end(user_id=staff.pk) == 1
    assert user_sessions_end(user_id=staff.pk) == 0
