from districtops.economy import imports

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入企业月度报表并审核。强制性错误拒绝整个文件；核实性问题生成待说明事项。退出码 0/1。"

    def run_import(self, actor, content, filename, check_only):
        return imports.import_reports(actor, content, filename, check_only=check_only)
