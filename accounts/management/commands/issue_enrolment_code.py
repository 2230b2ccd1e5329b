from django.core.management.base import BaseCommand, CommandError

from accounts.enrolment import enrolment_code_issue
from accounts.models import User


class Command(BaseCommand):
    help = "为用户签发一次性的验证器绑定码（首位管理员，或无法登录安全管理员页面时使用；已审计）。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在。")
        code = enrolment_code_issue(user=user)
        self.stdout.write(f"{username} 的验证器绑定码（仅显示一次）：{code}")
