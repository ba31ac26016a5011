"""Exporting a list as its page's button does: POST the kind and the list's query string."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.test import Client


def export_rows(client: Client, kind: str, query: str = "") -> list[tuple[Any, ...]]:
    """Export through the button and download the file (small lists: straight to the file)."""
    resp = client.post("/exports/new/", {"kind": kind, "query": query})
    assert resp.status_code == 302, resp.content.decode()[:500]
    assert "/download/" in resp["Location"], resp["Location"]
    file = client.get(resp["Location"])
    assert file.status_code == 200, file.content[:300]
    assert file["Cache-Control"] == "no-store"
    return sheet_rows(file.content)


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(r) for r in ws.iter_rows(values_only=True)]
