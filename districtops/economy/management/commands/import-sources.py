from districtops.economy import imports

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入其他来源的企业月度数据（用电量或税收），用于交叉比对。退出码 0/1。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", choices=["electricity", "tax"], required=True)

    def handle(self, *args, source, **options):
        self.source = source
        return super().handle(*args, **options)

    def run_import(self, actor, content, filename, check_only):
        return imports.import_source_figures(actor, content, filename, kind=self.source, check_only=check_only)
