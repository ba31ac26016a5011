"""Request-body parsing that fails with 400, never 500."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of this API nests deeper; a body that does is an attack on the parser (each level
# costs a Python stack frame, and around 1,000 raise RecursionError).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when brackets nest deeper than `limit` outside strings (a linear scan, no parse)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # no deeper than the brackets it opens (counted in C; every usual body)
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if json_depth_exceeds(raw):
            raise ParseError(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层")
        import io

        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层") from exc
