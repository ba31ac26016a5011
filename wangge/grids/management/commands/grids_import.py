import json

from django.core.management.base import BaseCommand, CommandError

from wangge.grids.services import GridImportError, grid_tree_import


class Command(BaseCommand):
    help = "Import a grid tree from a GeoJSON FeatureCollection file (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="GeoJSON file (UTF-8)")
        parser.add_argument("--commit", action="store_true", help="actually write the changes")

    def handle(self, *args, path, commit, **options):
        try:
            with open(path, encoding="utf-8") as fh:
                collection = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from exc
        try:
            result = grid_tree_import(actor=None, collection=collection, dry_run=not commit)
        except GridImportError as exc:
            raise CommandError(exc.message) from exc
        for r in result.rejects:
            self.stderr.write(f"第 {r.row + 1} 个 {r.code or '（无编码）'} [{r.column}] {r.reason}")
        if result.rejects:
            raise CommandError(f"{len(result.rejects)} 个网格不合格，未导入任何数据")
        verb = "已导入" if commit else "校验通过（未写入，加 --commit 导入）"
        self.stdout.write(
            f"{verb}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
        )
