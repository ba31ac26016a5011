"""Bulk import of residents (with households and rooms) and buildings from Excel or CSV.

Three stages, each usable alone (the benchmark drives them directly):
1. `open_table` — file-level checks, all before anything is written: size cap, .xlsx zip-bomb
   guard (uncompressed sizes and ratios read from the zip directory before openpyxl opens it),
   encoding (UTF-8 or GB18030, as Excel on Chinese Windows writes CSV), the header row.
   `resolve_mapping` — which column holds which field; missing required columns are named.
2. `ResidentValidator.validate` — per row: ID checksum and birth date, phone, residence type,
   tags, the building (in the importer's scope), duplicates within the file. Bad rows become
   rejects (row, column, reason); good rows become `StagedResident` with ciphertexts and hashes.
3. `apply_residents` — writes the good rows in one transaction: on PostgreSQL COPY into a
   temporary staging table, then set-based INSERT … ON CONFLICT (id_hash) DO UPDATE; elsewhere
   batched bulk_create/bulk_update. Re-importing the same file updates and never duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.selectors import Scope
from wangge.core.api import ServiceError
from wangge.core.imports import Reject
from wangge.core.maintenance import BULK_ANALYZE_ROWS, analyze
from wangge.core.spreadsheets import xlsx_bytes
from wangge.people import address
from wangge.people.crypto import FieldCipher, cipher
from wangge.people.idcard import IdNumberError, parse_id_number
from wangge.people.models import Building, Household, ImportKind, Resident, Room, tags_to_column
from wangge.people.services import (
    ID_COLUMN,
    PHONE_COLUMN,
    normalise_phone,
    parse_residence_type,
    parse_tags,
)


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "file_too_large"


# --- fields and their usual headers ----------------------------------------------------------
@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    required: bool
    headers: tuple[str, ...]


RESIDENT_FIELDS = [
    FieldSpec("name", "姓名", True, ("姓名", "居民姓名", "人员姓名")),
    FieldSpec(
        "id_number", "身份证号", True, ("身份证号", "身份证号码", "公民身份号码", "证件号码")
    ),
    FieldSpec("phone", "联系电话", False, ("联系电话", "手机号", "手机号码", "电话", "联系方式")),
    FieldSpec("community", "社区", False, ("社区", "所属社区", "社区名称")),
    FieldSpec("compound", "小区", False, ("小区", "小区名称", "所属小区")),
    FieldSpec("building", "楼栋", True, ("楼栋", "楼栋号", "楼号", "幢号", "栋")),
    FieldSpec("unit", "单元", False, ("单元", "单元号")),
    FieldSpec("room", "房号", True, ("房号", "房间号", "门牌号", "室")),
    FieldSpec("household_no", "户号", False, ("户号", "户编号")),
    FieldSpec("relation", "与户主关系", False, ("与户主关系", "关系")),
    FieldSpec("residence_type", "户籍类型", True, ("户籍类型", "人员类型", "人口类型", "居住类型")),
    FieldSpec("tags", "人员类别", False, ("人员类别", "重点人群", "标签", "特殊人群")),
]
BUILDING_FIELDS = [
    FieldSpec("community", "社区", True, ("社区", "所属社区", "社区名称")),
    FieldSpec("compound", "小区", False, ("小区", "小区名称")),
    FieldSpec("building", "楼栋", True, ("楼栋", "楼栋号", "楼号", "幢号")),
    FieldSpec("address", "地址", False, ("地址", "详细地址")),
    FieldSpec("lng", "经度", True, ("经度", "lng", "lon")),
    FieldSpec("lat", "纬度", True, ("纬度", "lat")),
    FieldSpec("units", "单元数", False, ("单元数",)),
    FieldSpec("floors", "层数", False, ("层数", "楼层数")),
]
ORGANISATION_FIELDS = [
    FieldSpec("kind", "类别", True, ("类别", "组织类别", "组织类型", "类型")),
    FieldSpec("name", "名称", True, ("名称", "组织名称", "单位名称")),
    FieldSpec("grid", "所属网格", True, ("所属网格", "网格", "网格编码", "所属社区", "社区")),
    FieldSpec("credit_code", "统一社会信用代码", False, ("统一社会信用代码", "信用代码")),
    FieldSpec("contact_name", "联系人", False, ("联系人", "负责人")),
    FieldSpec("contact_phone", "联系电话", False, ("联系电话", "电话", "办公电话")),
    FieldSpec("address", "地址", False, ("地址", "详细地址", "办公地址")),
    FieldSpec("members", "成员数", False, ("成员数", "人数", "成员人数")),
]
ASSET_FIELDS = [
    FieldSpec("code", "部件编码", True, ("部件编码", "编码", "部件编号")),
    FieldSpec("category_code", "部件类别编码", True, ("部件类别编码", "类别编码", "小类编码")),
    FieldSpec("name", "名称", False, ("名称", "部件名称")),
    FieldSpec("department", "权属部门", True, ("权属部门", "权属单位", "主管部门", "部门编码")),
    FieldSpec("lng", "经度", True, ("经度", "lng", "lon")),
    FieldSpec("lat", "纬度", True, ("纬度", "lat")),
]
PLACE_FIELDS = [
    FieldSpec("kind", "类别", True, ("类别", "场所类别", "场所类型")),
    FieldSpec("name", "名称", True, ("名称", "场所名称", "店名")),
    FieldSpec("address", "地址", False, ("地址", "详细地址")),
    FieldSpec("lng", "经度", True, ("经度", "lng", "lon")),
    FieldSpec("lat", "纬度", True, ("纬度", "lat")),
    FieldSpec("operator_name", "经营者", False, ("经营者", "负责人", "法人")),
    FieldSpec("last_inspected_on", "最近检查", False, ("最近检查", "检查日期", "最近检查日期")),
]
FIELDS: dict[str, list[FieldSpec]] = {
    ImportKind.RESIDENTS: RESIDENT_FIELDS,
    ImportKind.BUILDINGS: BUILDING_FIELDS,
    ImportKind.ORGANISATIONS: ORGANISATION_FIELDS,
    ImportKind.ASSETS: ASSET_FIELDS,
    ImportKind.PLACES: PLACE_FIELDS,
}


# --- stage 1: the file -------------------------------------------------------------------------
@dataclass
class Table:
    headers: list[str]
    header_row: int  # 1-based row number of the header in the sheet
    _rows: Callable[[], Iterator[list[str]]]
    estimated_rows: int

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(sheet row number, cells as text) for each non-empty data row."""
        for i, cells in enumerate(self._rows()):
            row_no = i + 1
            if row_no <= self.header_row or not any(c.strip() for c in cells):
                continue
            yield row_no, cells


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    return str(v).strip()


def check_zip(data: IO[bytes]) -> None:
    """Refuse an .xlsx whose parts would inflate beyond the caps (a zip bomb) — before parsing."""
    max_total = settings.PEOPLE_IMPORT_MAX_UNZIPPED_BYTES
    max_ratio = settings.PEOPLE_IMPORT_MAX_ZIP_RATIO
    try:
        with zipfile.ZipFile(data) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise ServiceError(_("文件不是有效的 Excel（.xlsx）文件"), code="bad_file") from None
    if len(infos) > 2000:
        raise ServiceError(_("Excel 文件内部结构异常（部件过多），已拒绝"), code="zip_bomb")
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise ServiceError(
            _("Excel 文件解压后约 %(mb)s MB，超过上限 %(cap_mb)s MB，疑似压缩炸弹，已拒绝")
            % {"mb": total // 1048576, "cap_mb": max_total // 1048576},
            code="zip_bomb",
        )
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > max_ratio * max(i.compress_size, 1):
            raise ServiceError(
                _("Excel 文件压缩比异常（%(ratio)s 倍），疑似压缩炸弹，已拒绝")
                % {"ratio": i.file_size // max(i.compress_size, 1)},
                code="zip_bomb",
            )
    data.seek(0)


def open_table(data: IO[bytes], *, size: int, kind: str) -> Table:
    """Checks a whole uploaded file and finds its header row; writes nothing."""
    cap = settings.PEOPLE_IMPORT_MAX_BYTES
    if size > cap:
        raise PayloadTooLarge(
            _("文件 %(mb)s MB，超过导入上限 %(cap_mb)s MB；请分批导入")
            % {"mb": f"{size / 1048576:.0f}", "cap_mb": cap // 1048576}
        )
    head = data.read(8)
    data.seek(0)
    if head.startswith(b"PK\x03\x04"):
        check_zip(data)
        return _xlsx_table(data, kind)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ServiceError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后导入"))
    return _csv_table(data.read(), kind)


def _xlsx_table(data: IO[bytes], kind: str) -> Table:
    import openpyxl

    content = data.read()

    def rows() -> Iterator[list[str]]:
        try:
            wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise ServiceError(
                _("无法读取该 Excel 文件，请确认文件未损坏"), code="bad_file"
            ) from None
        try:
            ws = wb.worksheets[0]
            for values in ws.iter_rows(values_only=True):
                yield [_cell_text(v) for v in values]
        finally:
            wb.close()

    import openpyxl as _ox

    try:
        wb = _ox.load_workbook(io.BytesIO(content), read_only=True)
        max_row = wb.worksheets[0].max_row
        wb.close()
        # Files written by streaming tools carry no <dimension>: estimate from the sheet's XML.
        estimated = max(max_row - 1, 0) if max_row else _estimate_rows(content)
    except Exception:
        raise ServiceError(_("无法读取该 Excel 文件，请确认文件未损坏"), code="bad_file") from None
    return _with_header(rows, kind, estimated)


def _estimate_rows(content: bytes) -> int:
    """Rows of the first worksheet, from its uncompressed size and the size of its first rows
    (cheap: reads 256 KB of XML, never the whole sheet)."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        sheets = sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
        if not sheets:
            return 0
        info = zf.getinfo(sheets[0])
        with zf.open(info) as fh:
            head = fh.read(256 * 1024)
    rows = head.count(b"<row")
    if rows == 0:
        return 0
    if len(head) >= info.file_size:
        return rows
    return int(info.file_size / (len(head) / rows))


def _csv_table(raw: bytes, kind: str) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ServiceError(_("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV"))
    if "\x00" in text[:4096]:
        raise ServiceError(_("文件不是 CSV 或 Excel 表格"), code="bad_file")

    def rows() -> Iterator[list[str]]:
        for cells in csv.reader(io.StringIO(text)):
            yield [c.strip() for c in cells]

    return _with_header(rows, kind, max(text.count("\n") - 1, 0))


def _with_header(rows: Callable[[], Iterator[list[str]]], kind: str, estimated: int) -> Table:
    """Community tables often start with a title row ("怡园社区人口台账"); find the header."""
    known = {h for f in FIELDS[kind] for h in f.headers}
    first: list[str] | None = None
    for i, cells in enumerate(rows()):
        if i >= 10:
            break
        first = first if first is not None else cells
        if sum(1 for c in cells if c in known) >= 2:
            return Table(cells, i + 1, rows, max(estimated - i, 0))
    if first is None:
        raise ServiceError(_("文件是空的"), code="empty_file")
    return Table(first, 1, rows, estimated)


def suggest_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in FIELDS[kind]:
        for h in spec.headers:
            if h in headers:
                out[spec.name] = h
                break
    return out


def resolve_mapping(
    kind: str, headers: list[str], mapping: dict[str, str] | None
) -> dict[str, int]:
    """Field → column index. Unknown headers in the mapping or missing columns: an error."""
    merged = suggest_mapping(kind, headers) | {k: v for k, v in (mapping or {}).items() if v}
    specs = {f.name: f for f in FIELDS[kind]}
    unknown_fields = [k for k in merged if k not in specs]
    if unknown_fields:
        raise ServiceError(
            _("列对应中有未知字段：%(fields)s") % {"fields": "、".join(unknown_fields)}
        )
    absent = [v for v in merged.values() if v not in headers]
    missing = [f.label for f in FIELDS[kind] if f.required and f.name not in merged]
    if missing or absent:
        parts = []
        if missing:
            parts.append(f"缺少必需的列：{'、'.join(missing)}")
        if absent:
            parts.append(f"列对应中的列在文件中不存在：{'、'.join(absent)}")
        raise ServiceError(
            _("%(problems)s。文件中的列：%(headers)s")
            % {
                "problems": "；".join(parts),
                "headers": "、".join(h for h in headers if h) or "（无）",
            },
            code="missing_columns",
            details={"missing": missing, "absent": absent, "headers": headers},
        )
    return {k: headers.index(v) for k, v in merged.items()}


# --- stage 2: rows ---------------------------------------------------------------------------
@dataclass(slots=True)
class StagedResident:
    row: int
    name: str
    id_cipher: str
    id_hash: str
    sex: str
    birth_date: dt.date
    phone_cipher: str
    phone_hash: str
    residence_type: str
    tags: str
    building_id: int
    unit: str
    room: str
    household_no: str
    relation: str
    grid_id: int
    grid_path: str
    root_id: int


@dataclass
class BuildingIndex:
    """Buildings in the importer's scope, found by (community or compound, number)."""

    by_place: dict[tuple[str, str], Building] = field(default_factory=dict)
    by_number: dict[str, list[Building]] = field(default_factory=dict)

    @classmethod
    def for_scope(cls, scope: Scope | None) -> BuildingIndex:
        qs = Building.objects.select_related("community", "compound")
        if scope is not None:
            qs = scope.filter(qs, "grid_path")
        idx = cls()
        for b in qs:
            names = [b.community.name]
            if b.compound:
                names.append(b.compound.name)
            for n in names:
                for key in {address.normalise(n), address.normalise(address.place_core(n))}:
                    idx.by_place.setdefault((key, b.number), b)
            idx.by_number.setdefault(b.number, []).append(b)
        return idx

    def find(self, *, community: str, compound: str, number: str) -> Building | str:
        """The building, or a Chinese reason why none was found."""
        num = address.building_number(number)
        for place in (compound, community):
            if place:
                b = self.by_place.get((address.normalise(place), num)) or self.by_place.get(
                    (address.normalise(address.place_core(place)), num)
                )
                if b:
                    return b
        if not (community or compound):
            found = self.by_number.get(num, [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                return f"楼栋“{number}”在您管辖范围内不止一处，请填写小区或社区"
        where = compound or community
        return f"未找到楼栋“{where}{number}”（或不在您的管辖范围内），请先登记楼栋"


class ResidentValidator:
    """Turns raw rows into staged rows or rejects. Holds the in-file duplicate index."""

    def __init__(
        self,
        *,
        columns: dict[str, int],
        buildings: BuildingIndex,
        field_cipher: FieldCipher | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.columns = columns
        self.buildings = buildings
        self.cipher = field_cipher or cipher()
        self.today = today or timezone.localdate()
        self.seen: dict[str, int] = {}
        self.labels = {f.name: f.label for f in RESIDENT_FIELDS}

    def _get(self, cells: list[str], name: str) -> str:
        i = self.columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def validate(self, row: int, cells: list[str]) -> StagedResident | list[Reject]:
        g = self._get
        rejects: list[Reject] = []

        def bad(name: str, reason: str) -> None:
            rejects.append(Reject(row, self.labels[name], reason))

        name = g(cells, "name")
        if not name:
            bad("name", _("姓名为空"))
        elif len(name) > 50:
            bad("name", _("姓名过长（最多 50 字）"))
        ident = None
        try:
            ident = parse_id_number(g(cells, "id_number"), today=self.today)
        except IdNumberError as exc:
            bad("id_number", str(exc) if g(cells, "id_number") else "身份证号为空")
        phone = ""
        try:
            phone = normalise_phone(g(cells, "phone"))
        except ServiceError as exc:
            bad("phone", exc.message)
        residence = ""
        try:
            residence = parse_residence_type(g(cells, "residence_type"))
        except ServiceError as exc:
            bad("residence_type", exc.message)
        tags = ""
        try:
            tags = tags_to_column(parse_tags(g(cells, "tags")))
        except ServiceError as exc:
            bad("tags", exc.message)
        building = self.buildings.find(
            community=g(cells, "community"),
            compound=g(cells, "compound"),
            number=g(cells, "building"),
        )
        if not g(cells, "building"):
            bad("building", _("楼栋为空"))
        elif isinstance(building, str):
            bad("building", building)
        room = g(cells, "room").removesuffix("室").removesuffix("号")
        if not room:
            bad("room", _("房号为空"))
        id_hash = ""
        if ident is not None:
            id_hash = self.cipher.lookup_hash(ident.number, kind="id")
            first = self.seen.get(id_hash)
            if first is not None:
                bad("id_number", _("与第 %(first)s 行身份证号重复（同一人）") % {"first": first})
            elif not rejects:
                self.seen[id_hash] = row
        if rejects or ident is None or isinstance(building, str):
            return rejects
        unit = g(cells, "unit")
        unit = address.building_number(unit).removesuffix("单元") if unit else ""
        return StagedResident(
            row=row,
            name=name,
            id_cipher=self.cipher.encrypt(ident.number, column=ID_COLUMN),
            id_hash=id_hash,
            sex=ident.sex,
            birth_date=ident.birth_date,
            phone_cipher=self.cipher.encrypt(phone, column=PHONE_COLUMN),
            phone_hash=self.cipher.lookup_hash(phone, kind="phone"),
            residence_type=residence,
            tags=tags,
            building_id=building.pk,
            unit=unit,
            room=room,
            household_no=g(cells, "household_no"),
            relation=g(cells, "relation")[:20],
            grid_id=building.grid_id,
            grid_path=building.grid_path,
            root_id=building.root_id,
        )


# --- stage 3: writing ------------------------------------------------------------------------
@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    rejects: list[Reject] = field(default_factory=list)


OUT_OF_SCOPE = "该人员已在您管辖范围以外的网格登记，请联系所在社区办理迁入"


def apply_residents(
    staged: list[StagedResident],
    *,
    scope: Scope | None,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """Write validated rows in one transaction (all or nothing on a database error); a large
    import then refreshes the planner's statistics of the tables it wrote."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            result = _apply_postgres(staged, scope=scope, progress=progress)
        else:
            result = _apply_batched(staged, scope=scope, progress=progress)
    if result.created + result.updated >= BULK_ANALYZE_ROWS:
        analyze(Room, Household, Resident)
    return result


def _scope_patterns(scope: Scope | None) -> list[str] | None:
    if scope is None or scope.everything:
        return None
    return [p + "%" for p in scope.grid_paths]


STAGING_COLUMNS = [
    ("row_no", "integer"),
    ("name", "text"),
    ("id_cipher", "text"),
    ("id_hash", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("phone_cipher", "text"),
    ("phone_hash", "text"),
    ("residence_type", "text"),
    ("tags", "text"),
    ("building_id", "bigint"),
    ("unit", "text"),
    ("room", "text"),
    ("household_no", "text"),
    ("relation", "text"),
    ("grid_id", "bigint"),
    ("grid_path", "text"),
    ("root_id", "bigint"),
]


def copy_rows(staged: Iterable[StagedResident]) -> Iterator[tuple]:
    for s in staged:
        yield (
            s.row,
            s.name,
            s.id_cipher,
            s.id_hash,
            s.sex,
            s.birth_date,
            s.phone_cipher,
            s.phone_hash,
            s.residence_type,
            s.tags,
            s.building_id,
            s.unit,
            s.room,
            s.household_no,
            s.relation,
            s.grid_id,
            s.grid_path,
            s.root_id,
        )


def stage_postgres(cursor, rows: Iterable[tuple], *, table: str = "people_import_staging") -> None:
    """Create the temporary staging table (dropped at commit) and COPY rows into it."""
    cols = ", ".join(f"{n} {t}" for n, t in STAGING_COLUMNS)
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({cols}) ON COMMIT DROP")
    names = ", ".join(n for n, _ in STAGING_COLUMNS)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


class _TimedCursor:
    """Records how long each statement of the merge takes (for the benchmark's breakdown)."""

    def __init__(self, cursor, timings: dict[str, float] | None) -> None:
        self.cursor = cursor
        self.timings = timings

    def execute(self, sql: str, params=None, *, label: str = "") -> None:
        t = time.perf_counter()
        self.cursor.execute(sql, params)
        if self.timings is not None and label:
            self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - t

    def fetchall(self):
        return self.cursor.fetchall()


def merge_postgres(
    cursor,
    *,
    scope_patterns: list[str] | None,
    table: str = "people_import_staging",
    timings: dict[str, float] | None = None,
) -> tuple[int, int, list[Reject]]:
    """Set-based merge of the staging table: rooms, households, residents.

    Returns (created, updated, rejects): rows repeating an earlier row's ID (when the rows were
    validated in several processes the in-file check only saw its own share) and rows for
    people registered outside the importer's scope.
    """
    rejects: list[Reject] = []
    cursor = _TimedCursor(cursor, timings)
    # Room for the sorts and hash joins over a million staged rows without spilling to disk.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute(f"ANALYZE {table}", label="analyze")
    cursor.execute(
        f"""DELETE FROM {table} s
            USING (SELECT id_hash, min(row_no) AS first_row FROM {table}
                   GROUP BY id_hash HAVING count(*) > 1) d
            WHERE s.id_hash = d.id_hash AND s.row_no > d.first_row
            RETURNING s.row_no, d.first_row""",
        label="duplicates",
    )
    rejects += [
        Reject(row, _("身份证号"), _("与第 %(first)s 行身份证号重复（同一人）") % {"first": first})
        for row, first in cursor.fetchall()
    ]
    if scope_patterns is not None:
        cursor.execute(
            f"""DELETE FROM {table} s USING people_resident p
                WHERE p.id_hash = s.id_hash AND NOT (p.grid_path LIKE ANY(%s))
                RETURNING s.row_no""",
            [scope_patterns],
            label="scope",
        )
        rejects += [Reject(r[0], _("身份证号"), OUT_OF_SCOPE) for r in cursor.fetchall()]
    cursor.execute(
        f"""INSERT INTO people_room (building_id, unit, number)
            SELECT DISTINCT building_id, unit, room FROM {table}
            ON CONFLICT (building_id, unit, number) DO NOTHING""",
        label="rooms",
    )
    cursor.execute(
        f"""INSERT INTO people_household (room_id, number, grid_id, grid_path, created_at)
            SELECT DISTINCT ON (r.id, s.household_no) r.id, s.household_no, s.grid_id,
                   s.grid_path, now()
            FROM {table} s JOIN people_room r
              ON r.building_id = s.building_id AND r.unit = s.unit AND r.number = s.room
            ON CONFLICT (room_id, number) DO NOTHING""",
        label="households",
    )
    cursor.execute(
        f"""INSERT INTO people_resident (name, id_cipher, id_hash, sex, birth_date, phone_cipher,
                phone_hash, residence_type, tags, household_id, relation, grid_id, grid_path,
                root_id, is_active, created_at, updated_at)
            SELECT s.name, s.id_cipher, s.id_hash, s.sex, s.birth_date, s.phone_cipher,
                   s.phone_hash, s.residence_type, s.tags, h.id, s.relation, s.grid_id,
                   s.grid_path, s.root_id, true, now(), now()
            FROM {table} s
            JOIN people_room r
              ON r.building_id = s.building_id AND r.unit = s.unit AND r.number = s.room
            JOIN people_household h ON h.room_id = r.id AND h.number = s.household_no
            -- In hash order: the unique index probed for each row is then walked, not jumped.
            ORDER BY s.id_hash
            ON CONFLICT (id_hash) DO UPDATE SET
                name = EXCLUDED.name, id_cipher = EXCLUDED.id_cipher,
                phone_cipher = EXCLUDED.phone_cipher, phone_hash = EXCLUDED.phone_hash,
                residence_type = EXCLUDED.residence_type, tags = EXCLUDED.tags,
                household_id = EXCLUDED.household_id, relation = EXCLUDED.relation,
                grid_id = EXCLUDED.grid_id, grid_path = EXCLUDED.grid_path,
                root_id = EXCLUDED.root_id, is_active = true, updated_at = now()
            RETURNING (xmax = 0)""",
        label="residents",
    )
    flags = [r[0] for r in cursor.fetchall()]
    created = sum(1 for f in flags if f)
    return created, len(flags) - created, rejects


_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(staged: Iterable[StagedResident]) -> str:
    """The rows in COPY text format, for writing in one block (used across processes).

    Only free text can hold a tab, newline or backslash; ciphertexts (base64url), hashes (hex),
    dates, numbers and grid paths cannot, so they are written as they are.
    """
    e = _COPY_ESCAPE
    lines = [
        f"{s.row}\t{s.name.translate(e)}\t{s.id_cipher}\t{s.id_hash}\t{s.sex}\t"
        f"{s.birth_date.isoformat()}\t{s.phone_cipher}\t{s.phone_hash}\t{s.residence_type}\t"
        f"{s.tags.translate(e)}\t{s.building_id}\t{s.unit.translate(e)}\t{s.room.translate(e)}\t"
        f"{s.household_no.translate(e)}\t{s.relation.translate(e)}\t{s.grid_id}\t"
        f"{s.grid_path}\t{s.root_id}\n"
        for s in staged
    ]
    return "".join(lines)


def _apply_postgres(staged, *, scope, progress) -> ApplyResult:
    # Connection-level psycopg cursor: Django's wrapper has no `copy`.
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        stage_postgres(cur, copy_rows(staged))
        if progress:
            progress(len(staged) // 2)
        created, updated, rejects = merge_postgres(cur, scope_patterns=_scope_patterns(scope))
        cur.execute("DROP TABLE people_import_staging")
    return ApplyResult(created=created, updated=updated, rejects=rejects)


def _apply_batched(staged, *, scope, progress, batch: int = 1000) -> ApplyResult:
    """SQLite (and any other database): a few queries per thousand rows, no per-row saves."""
    result = ApplyResult()
    now = timezone.now()
    for start in range(0, len(staged), batch):
        chunk = staged[start : start + batch]
        room_keys = {(s.building_id, s.unit, s.room) for s in chunk}
        Room.objects.bulk_create(
            [Room(building_id=b, unit=u, number=n) for b, u, n in room_keys],
            ignore_conflicts=True,
        )
        rooms = {
            (r.building_id, r.unit, r.number): r.pk
            for r in Room.objects.filter(building_id__in={k[0] for k in room_keys})
            if (r.building_id, r.unit, r.number) in room_keys
        }
        hh_keys = {(rooms[(s.building_id, s.unit, s.room)], s.household_no): s for s in chunk}
        Household.objects.bulk_create(
            [
                Household(room_id=k[0], number=k[1], grid_id=s.grid_id, grid_path=s.grid_path)
                for k, s in hh_keys.items()
            ],
            ignore_conflicts=True,
        )
        households = {
            (h.room_id, h.number): h.pk
            for h in Household.objects.filter(room_id__in={k[0] for k in hh_keys})
        }
        existing = {
            r.id_hash: r
            for r in Resident.objects.filter(id_hash__in=[s.id_hash for s in chunk]).only(
                "pk", "id_hash", "grid_path"
            )
        }
        new, changed = [], []
        for s in chunk:
            hh = households[(rooms[(s.building_id, s.unit, s.room)], s.household_no)]
            values = dict(
                name=s.name,
                id_cipher=s.id_cipher,
                sex=s.sex,
                birth_date=s.birth_date,
                phone_cipher=s.phone_cipher,
                phone_hash=s.phone_hash,
                residence_type=s.residence_type,
                tags=s.tags,
                household_id=hh,
                relation=s.relation,
                grid_id=s.grid_id,
                grid_path=s.grid_path,
                root_id=s.root_id,
                is_active=True,
                updated_at=now,
            )
            old = existing.get(s.id_hash)
            if old is None:
                new.append(Resident(id_hash=s.id_hash, created_at=now, **values))
            elif scope is not None and not scope.covers_path(old.grid_path):
                result.rejects.append(Reject(s.row, _("身份证号"), OUT_OF_SCOPE))
            else:
                changed.append(Resident(pk=old.pk, **values))
        Resident.objects.bulk_create(new)
        Resident.objects.bulk_update(changed, list(values))
        result.created += len(new)
        result.updated += len(changed)
        if progress:
            progress(start + len(chunk))
    return result


def reject_report_xlsx(rejects: list[dict[str, Any]]) -> bytes:
    """The reject report as a workbook: 行号, 列, 原因 (the reasons quote what was typed)."""
    rows = ([r["row"], r["column"], r["reason"]] for r in rejects)
    return xlsx_bytes(["行号", "列", "原因"], rows, sheet="未导入的行")
