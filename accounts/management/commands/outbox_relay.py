from django.core.management.base import BaseCommand

from accounts.outbox import outbox_flush


class Command(BaseCommand):
    help = "发布因消息队列中断而暂存的后台任务。"

    def handle(self, *args, **options):
        self.stdout.write(f"已发布 {outbox_flush()} 个待发任务。")
