"""`manage.py load_demo`: load the five cities' demo data and print the demo logins."""

import unicodedata

from django.core.management.base import BaseCommand

from demo.loader import CITY_CODES, DEMO_PASSWORD, demo_load


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "加载五个城市的演示数据和演示账号（可重复执行，不会产生重复数据）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--city",
            action="append",
            choices=CITY_CODES,
            help="只加载指定城市（可重复）；默认加载全部五个城市。",
        )

    def handle(self, *args, **options):
        result = demo_load(cities=options["city"] or CITY_CODES)
        created = "，".join(f"{k} {v}" for k, v in result.created.items()) or "无（数据已是最新）"
        self.stdout.write(f"演示数据已加载。本次新增：{created}")
        self.stdout.write(f"政策版本：{result.policy_hook}")
        self.stdout.write(
            f"演示数据以 {result.today.year}年{result.today.month}月{result.today.day}日 为当天："
            "各市的申报批次今天开放，截止日期按本市政策；考核批次为上一年度。"
        )
        for message in result.pending:
            self.stdout.write(self.style.WARNING(f"待完成：{message}"))
        rows = [("用户名", "角色", "范围", "密码")]
        for login in result.logins:
            note = DEMO_PASSWORD if login.created else f"{DEMO_PASSWORD}（如未修改）"
            rows.append((login.username, str(login.role), login.scope, note))
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        rule = "  ".join("-" * w for w in widths)
        self.stdout.write("\n演示账号（首次创建时设置密码，之后不会重置已修改的密码）：")
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)))
            if n == 0:
                self.stdout.write(rule)
