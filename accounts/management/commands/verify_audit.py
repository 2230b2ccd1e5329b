from django.core.management.base import BaseCommand, CommandError

from accounts.audit_chain import seal_pending, verify


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告第一个断开的环节（退出码 1 表示断链）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="先封链已提交但尚未封链的记录，再校验"
        )

    def handle(self, *args, seal: bool = False, **options):
        if seal:
            sealed = seal_pending()
            self.stdout.write(f"已封链 {sealed} 条。")
        verdict = verify()
        if not verdict.ok:
            raise CommandError(verdict.message)
        self.stdout.write(verdict.message)
        self.stdout.write(f"链尾哈希：{verdict.head}")
