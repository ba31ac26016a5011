"""What every importer reports about a row it refused (grid GeoJSON, residents and buildings,
12345 order sheets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reject:
    """One refused row of an import: where (`row`, as the importer counts: a sheet's row number,
    a feature's position), in which column or field, why, and the record's own code when the
    file gave one (a grid's code)."""

    row: int
    column: str
    reason: str
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "column": self.column, "reason": self.reason}
        if self.code:
            out["code"] = self.code
        return out
