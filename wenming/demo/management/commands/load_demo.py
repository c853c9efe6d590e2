"""manage.py load_demo: build the fictional demo city 示范市 and print its accounts."""

import time
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wenming.framework import demo as framework_demo
from wenming.regions import demo


def _width(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = (
        "创建虚构的示范市演示数据（区域、单位、各角色演示账号）。"
        "Load the fictional demo city 示范市: regions, units and a demo account for each role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=f"规模倍数 / multiply districts and units by N (1–{demo.MAX_SCALE}).",
        )
        parser.add_argument(
            "--password",
            help=f"演示账号密码 / password of every demo account (default {demo.DEMO_PASSWORD}; "
            "required when DEBUG is off).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="删除已有演示数据后重建 / remove the demo's own rows and build again; "
            "refused if other data depends on them.",
        )

    def handle(self, *args, scale, password, force, **options):
        if not 1 <= scale <= demo.MAX_SCALE:
            raise CommandError(
                f"--scale 须在 1 到 {demo.MAX_SCALE} 之间 / must be 1–{demo.MAX_SCALE}."
            )
        if password is None:
            if not settings.DEBUG:
                # The default password is printed in the docs: never put it on a live site
                # by accident. Passing it explicitly is a deliberate choice and allowed.
                raise CommandError(
                    "非调试环境下须用 --password 指定演示密码 / with DEBUG off, pass --password: "
                    "the default demo password is public."
                )
            password = demo.DEMO_PASSWORD
        try:
            demo.validate_demo_password(password, scale)
        except ValidationError as error:
            raise CommandError(
                "演示密码不符合密码规则 / the demo password breaks the password rules: "
                + " ".join(error.messages)
            ) from error

        started = time.perf_counter()
        removed = {}
        try:
            # Removing and rebuilding commit together: a failed rebuild keeps the old demo.
            with transaction.atomic():
                if not force and demo.demo_city_exists():
                    summary = demo.describe_demo_city(password)
                else:
                    if force:
                        framework_demo.remove_demo_frameworks()
                        removed = demo.remove_demo_city()
                    summary = demo.build_demo_city(scale=scale, password=password)
                # The sample framework and its tasks; added to an older demo that lacks them.
                framework_demo.build_demo_framework()
        except demo.DemoError as error:
            raise CommandError(f"无法加载演示数据 / cannot load the demo: {error}") from error

        seconds = time.perf_counter() - started
        if removed:
            self._removed(removed)
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"示范市演示数据已创建（规模 {summary.scale}，用时 {seconds:.1f} 秒）。"
                    f"Demo city 示范市 created (scale {summary.scale}) in {seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "示范市演示数据已存在，未做改动（重建请加 --force）。"
                    "The demo city is already loaded; nothing changed (use --force to rebuild)."
                )
            )
        self._counts(summary)
        self._accounts(summary)

    def _removed(self, removed: dict[str, int]) -> None:
        listed = ", ".join(f"{label} {count}" for label, count in sorted(removed.items()))
        self.stdout.write(f"已删除旧演示数据 / removed the previous demo: {listed}")

    def _counts(self, summary) -> None:
        rows = [["层级 Level", "数量 Count"]]
        for level, count in summary.regions_per_level.items():
            chinese, english = demo.LEVEL_LABELS[level]
            rows.append([f"{chinese} {english}", str(count)])
        rows.append(["单位 Units", str(summary.units)])
        rows.append(["账号 Accounts", str(summary.users)])
        self.stdout.write("")
        for line in _table(rows):
            self.stdout.write("  " + line)

    def _accounts(self, summary) -> None:
        password = summary.password or "（加载时所设 / as set when loaded）"
        rows = [["用户名 Username", "姓名 Name", "角色 Role", "范围 Where", "密码 Password"]]
        for account in summary.accounts:
            rows.append(
                [account.username, account.full_name, account.role_label, account.where, password]
            )
        self.stdout.write("")
        self.stdout.write("演示账号 / Demo accounts:")
        for line in _table(rows):
            self.stdout.write("  " + line)
        self.stdout.write("")
        self.stdout.write(
            "演示账号仅供试用，切勿在生产环境中保留。"
            "Demo accounts are for trying the platform; never keep them in production."
        )
