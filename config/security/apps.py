from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "config.security"
    label = "security"
    verbose_name = "安全"

    def ready(self):
        # Auth plumbing, not domain flow: the sign-in time for the absolute timeout, and ending a deactivated
        # user's sessions however the flag was changed (admin, service, shell).
        from . import sessions  # noqa: F401

    def demo_seed(self) -> None:
        """Called by ``seed_demo`` (disputes.demo): every demo account gets a confirmed authenticator with the
        published demo key, so a visitor passes two-factor verification with ``manage.py demo_totp`` or an
        authenticator app, and 2FA stays on in the demo as everywhere else."""
        from django.contrib.auth import get_user_model

        from disputes.demo import STAFF, SUPERUSER

        from .twofactor import totp_device_ensure_demo

        usernames = [SUPERUSER, *(username for username, *_rest in STAFF)]
        for user in get_user_model().objects.filter(username__in=usernames):
            totp_device_ensure_demo(user=user)
