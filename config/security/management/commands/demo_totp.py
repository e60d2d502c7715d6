from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.security.twofactor import DEMO_TOTP_KEY, totp_code, totp_secret_base32


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of a demo account (its authenticator holds the published demo key), "
        "and the otpauth URI to add it to an authenticator app. Refuses any device with another key."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="demo_admin")

    def handle(self, *args, username, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("生产配置下不提供验证码。")
        user = get_user_model().objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        # Only the demo key is ever printed: a real member of staff's secret never leaves their authenticator.
        if device is None or device.key != DEMO_TOTP_KEY:
            raise CommandError(f"{username} 不是演示账号，或没有演示身份验证器（先运行 seed_demo）。")
        self.stdout.write(f"{username} 的当前验证码：{totp_code(device)}（30 秒内有效）")
        self.stdout.write(f"密钥：{totp_secret_base32(device)}")
        self.stdout.write(f"otpauth：{device.config_url}")
