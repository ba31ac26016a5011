import json

from django.core.management.base import BaseCommand, CommandError

from wangge.grids.models import Grid
from wangge.grids.services import grid_tree_export


class Command(BaseCommand):
    help = "Export the grid tree (or one subtree) as a GeoJSON FeatureCollection."

    def add_arguments(self, parser):
        parser.add_argument("--root", help="export only this grid and its descendants")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, root=None, output=None, **options):
        grids = Grid.objects.filter(is_active=True)
        if root:
            top = Grid.objects.filter(code=root).first()
            if top is None:
                raise CommandError(f"网格 {root} 不存在")
            grids = grids.filter(path__startswith=top.path)
        text = json.dumps(grid_tree_export(grids=grids), ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stdout.write(f"已导出 {grids.count()} 个网格到 {output}")
        else:
            self.stdout.write(text)
