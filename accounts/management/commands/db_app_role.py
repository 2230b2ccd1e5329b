"""Grant the application's PostgreSQL role what it needs and no more (run as the owner role).

The app connects as a role that owns nothing and is not a superuser, so it cannot drop or
disable the audit trigger, TRUNCATE the table or set session_replication_role. On the audit table
it may only SELECT and INSERT (and fill the hash columns of unsealed rows, which the trigger
checks); on every other table it reads and writes rows. Migrations and purge_audit run as the
owner role. Safe to repeat after each migrate.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

AUDIT_TABLE = "accounts_auditevent"


def grant_statements(role: str) -> list[str]:
    q = connection.ops.quote_name(role)
    return [
        f"GRANT CONNECT ON DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} TO {q}",
        f"GRANT USAGE ON SCHEMA public TO {q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q}",
        f"REVOKE ALL ON {AUDIT_TABLE} FROM {q}",
        f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {q}",
        f"GRANT UPDATE (seal_seq, prev_hash, row_hash) ON {AUDIT_TABLE} TO {q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q}",
    ]


class Command(BaseCommand):
    help = "授予应用数据库角色所需的最小权限（以迁移/属主角色运行，迁移后重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="应用连接使用的角色，如 ssp_app")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("只适用于 PostgreSQL。")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = %s", [role]
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError(
                    f"角色 {role} 不存在：请先 CREATE ROLE {role} LOGIN PASSWORD '…'。"
                )
            if found[0] or found[1]:
                raise CommandError(f"角色 {role} 不能是超级用户，也不能是当前（属主）角色。")
            for statement in grant_statements(role):
                cursor.execute(statement)
        self.stdout.write(f"已为 {role} 设置最小权限（审计表仅 SELECT/INSERT）。")
