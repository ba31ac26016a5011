"""Keyed hash chains and the anchors that pin their heads.

Two append-only histories are chained: each case's events (`wangge.cases.chain`) and the
security audit log (`wangge.core.audit`). A link is HMAC-SHA256 under WANGGE_CHAIN_KEY, a key
that lives in the environment, never in the database: whoever can write the tables but does not
hold the key cannot recompute the links after rewriting a record.

A key alone does not catch truncation: deleting the newest records and stepping the head back
leaves a shorter chain that still verifies. So a periodic task (`anchor_chains`) writes
checkpoints — every chain head with its length — into a separate table, each run signed with
the key and linked to the run before (`ChainAnchor`), and appends the same signed line to the
`wangge.chain` logger and, when WANGGE_CHAIN_ANCHOR_LOG names one, an append-only file. Verify
then refuses any chain shorter than its last checkpoint or whose head moved away from it, and
any anchor the database lost compared with the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger("wangge.chain")


@lru_cache(maxsize=4)
def _base(key: str) -> Any:
    # Pre-keyed: the key schedule is computed once, each link copies it.
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def chain_key() -> str:
    return settings.WANGGE_CHAIN_KEY


def keyed_hash(message: str, *, key: str | None = None) -> str:
    """HMAC-SHA256 of `message` under the chain key (or `key`), as 64 hex digits."""
    h = _base(chain_key() if key is None else key).copy()
    h.update(message.encode())
    return h.hexdigest()


def legacy_hash(message: str) -> str:
    """The unkeyed SHA-256 links written before the chains were keyed (only `chain_rekey`
    still reads them)."""
    return hashlib.sha256(message.encode()).hexdigest()


def canonical_time(value: datetime) -> str:
    # Microseconds survive both PostgreSQL and SQLite, so the stored value hashes the same.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link_hash(prev_hash: str, body: list[Any], *, key: str | None = None) -> str:
    """The hash a record carries: keyed over the previous record's hash and its content."""
    return keyed_hash(f"{prev_hash}\n{canonical_json(body)}", key=key)


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- Anchors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorLine:
    """What one anchor run signs; the same text goes to the database, the log and the file."""

    kind: str
    seq: int
    created_at: datetime
    entries: int
    digest: str
    prev_mac: str

    def message(self) -> str:
        return canonical_json(
            [
                "anchor",
                self.kind,
                self.seq,
                canonical_time(self.created_at),
                self.entries,
                self.digest,
                self.prev_mac,
            ]
        )

    def mac(self) -> str:
        return keyed_hash(self.message())

    def as_json(self) -> str:
        return canonical_json(
            {
                "kind": self.kind,
                "seq": self.seq,
                "at": canonical_time(self.created_at),
                "entries": self.entries,
                "digest": self.digest,
                "prev_mac": self.prev_mac,
                "mac": self.mac(),
            }
        )


def export_anchor(line: AnchorLine) -> None:
    """Copy a committed anchor outside the database: the log, and the append-only file."""
    text = line.as_json()
    logger.info("chain anchor %s", text)
    path = getattr(settings, "WANGGE_CHAIN_ANCHOR_LOG", "")
    if path:
        with Path(path).open("a", encoding="utf-8") as f:
            f.write(text + "\n")


def read_anchor_file(kind: str) -> list[dict[str, Any]]:
    """The exported anchors of `kind`, oldest first ([] when no file is configured)."""
    path = getattr(settings, "WANGGE_CHAIN_ANCHOR_LOG", "")
    if not path or not Path(path).exists():
        return []
    rows: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as f:
        for raw in f:
            raw = raw.strip()
            if not raw:
                continue
            try:
                row = json.loads(raw)
            except ValueError:
                rows.append({"kind": kind, "broken": raw[:80]})
                continue
            if row.get("kind") == kind:
                rows.append(row)
    return rows


def anchor_problems(kind: str) -> list[str]:
    """Check the signed run chain of `kind` in the database and against the exported file.

    Returns one message per problem: a run whose signature fails, a gap in the runs, a run the
    file holds and the database lost (the newest runs deleted to hide a truncation)."""
    from wangge.core.models import ChainAnchor

    problems: list[str] = []
    prev_mac = ""
    expected = 1
    by_seq: dict[int, str] = {}
    for a in ChainAnchor.objects.filter(kind=kind).order_by("seq").iterator():
        if a.seq != expected:
            problems.append(f"锚点序号不连续：应为 {expected}，实为 {a.seq}（锚点被删除）")
        if not equal(a.prev_mac, prev_mac):
            problems.append(f"锚点 {a.seq} 与上一锚点不衔接")
        if not equal(a.mac, a.line().mac()):
            problems.append(f"锚点 {a.seq} 签名不符（锚点被改动或密钥不符）")
        by_seq[a.seq] = a.mac
        prev_mac, expected = a.mac, a.seq + 1
    for row in read_anchor_file(kind):
        if "broken" in row:
            problems.append(f"锚点文件中有无法解析的行：{row['broken']}")
            continue
        seq = int(row.get("seq", 0))
        if seq not in by_seq:
            problems.append(f"锚点文件中的锚点 {seq} 在数据库中缺失（锚点被删除）")
        elif not equal(by_seq[seq], str(row.get("mac", ""))):
            problems.append(f"锚点 {seq} 与锚点文件中的记录不符")
    return problems
