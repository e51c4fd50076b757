"""Shared body of the import commands: --check-only, --json, --user, exit status 0/1."""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from districtops.core.context import acting_context


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 文件（.xlsx/.xls）")
        parser.add_argument("--check-only", action="store_true", help="只检查，不写入")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果与逐行问题")
        parser.add_argument("--user", help="以该统计员身份导入（默认：系统）")

    def run_import(self, actor, content: bytes, filename: str, check_only: bool):
        raise NotImplementedError

    def handle(self, *args, file, check_only, json: bool, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户不存在：{user}")
        with acting_context("cli"):
            result = self.run_import(actor, path.read_bytes(), path.name, check_only)
        if json:
            self.stdout.write(_json_dumps(result.as_dict()))
        else:
            verdict = "通过" if result.accepted else "拒绝"
            action = "检查" if check_only else "导入"
            self.stdout.write(f"{action}{verdict}：{path.name}，{result.rows} 行")
            for problem in result.errors + result.warnings:
                level = "错误" if problem.severity == "error" else "提示"
                self.stdout.write(f"  [{level}] {problem}（{problem.rule}）")
            if result.summary:
                self.stdout.write("  " + _json_dumps(result.summary))
        if not result.accepted:
            sys.exit(1)


def _json_dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
