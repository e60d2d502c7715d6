import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.security.twofactor import demo_totp_secret
from disputes import demo
from disputes.states import CaseStatus


class Command(BaseCommand):
    help = (
        "Seed the demo city (Wenzhou): stations, agencies, staff of every role and 200 cases in every state. "
        "Re-runnable: updates the directory and staff, resets their password, tops the cases up to 200."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--notify",
            action="store_true",
            help="also publish the seeded history's notifications (off: the phone numbers are invented)",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="seed even under production settings (demo accounts share a published password)",
        )

    def handle(self, *args, notify, allow_production, **options):
        if settings.SETTINGS_MODULE.endswith(".production") and not allow_production:
            raise CommandError(
                "拒绝在生产配置下写入演示数据：演示账号使用公开的密码。确需如此，请加 --allow-production。"
            )
        started = time.monotonic()
        result = demo.seed(notify=notify)
        elapsed = time.monotonic() - started

        out = self.stdout
        out.write(self.style.SUCCESS(f"演示数据已就绪（用时 {elapsed:.1f} 秒）。"))
        out.write(
            f"组织机构 {result.organizations} 个，工作人员 {result.staff} 名；"
            f"演示案件共 {result.demo_cases} 件（本次新建 {result.cases_created} 件）。"
        )
        out.write(
            "案件状态："
            + "，".join(f"{CaseStatus(state).label} {n}" for state, n in result.by_status.items())
        )
        out.write("")
        out.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        width = max(len(username) for username, *_ in result.logins)
        for username, role, org in result.logins:
            out.write(f"  {username.ljust(width)}  {role}  {org}")
        out.write(
            "工作人员须两步验证：验证码用 `python manage.py demo_totp 账号` 查看，"
            f"或在身份验证器中添加演示密钥 {demo_totp_secret()}（各演示账号相同）。"
        )
        out.write("")
        out.write(f"首页：{demo.BASE_URL}/    工作人员后台：{demo.BASE_URL}/admin/")
