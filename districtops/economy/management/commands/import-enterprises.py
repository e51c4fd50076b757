from districtops.economy import imports

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入企业名录（统计系统导出的 Excel）。退出码 0 = 已接受，1 = 已拒绝。"

    def run_import(self, actor, content, filename, check_only):
        return imports.import_enterprises(actor, content, filename, check_only=check_only)
