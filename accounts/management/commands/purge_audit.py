from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import AUDIT_MIN_RETENTION_DAYS, audit, audit_purge


class Command(BaseCommand):
    help = "删除超过保留期的审计日志（保留期不少于180天）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=getattr(settings, "AUDIT_RETENTION_DAYS", AUDIT_MIN_RETENTION_DAYS),
        )

    def handle(self, *args, older_than_days: int, **options):
        try:
            deleted = audit_purge(older_than_days=older_than_days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        audit(event="audit.purge", reason=f"删除 {older_than_days} 天前的审计日志 {deleted} 条")
        self.stdout.write(f"已删除 {deleted} 条审计日志（早于 {older_than_days} 天）。")
