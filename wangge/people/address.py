"""Reading Chinese addresses as people write them: "怡园社区十六号楼", "府前社区9幢20号".

Pure functions (no database): normalising numerals and building words, and splitting a text
into the place-name part, the building number, the unit and the room.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGITS |= {"七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ＃－\u3000（）",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ#- ()",
)
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+")


def chinese_to_int(text: str) -> int:
    """十六 → 16, 二十 → 20, 一百零二 → 102, 三〇一 → 301 (digit by digit when no 十百千)."""
    if not any(c in _UNITS for c in text):
        return int("".join(str(_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c in _DIGITS:
            digit = _DIGITS[c]
        else:
            total += (digit or 1) * _UNITS[c]
            digit = 0
    return total + digit


# Cached: an import asks the same few hundred place names and numbers a million times.
@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Half-width, Arabic numerals, one word for a building (号楼), no spaces."""
    text = str(text).translate(_FULLWIDTH).upper()
    text = _CN_NUMBER.sub(lambda m: str(chinese_to_int(m.group())), text)
    text = re.sub(r"\s+", "", text)
    # 16栋, 16幢, 16座, 16#, 16#楼, 16号楼 all mean building 16.
    text = re.sub(r"([0-9A-Z]+)(?:号楼|号栋|号幢|#楼|栋|幢|座|#)", r"\1号楼", text)
    return text


@lru_cache(maxsize=8192)
def building_number(text: str) -> str:
    """The normalised number of a building as entered in a table: "16", "十六栋" → "16"."""
    value = normalise(text).removesuffix("号楼").removesuffix("号").removesuffix("楼")
    return value


_BUILDING = re.compile(r"([0-9]+[A-Z]?|[A-Z][0-9]*)号楼")
_UNIT = re.compile(r"^-?([0-9]+)单元")
_ROOM = re.compile(r"^-?([0-9]+)(?:室|号|房)?")


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    place: str  # the text before the building: district, street, community, compound
    building: str  # normalised building number, "" when none was found
    unit: str
    room: str


def parse(text: str) -> ParsedAddress:
    norm = normalise(text)
    m = _BUILDING.search(norm)
    if not m:
        return ParsedAddress(place=norm, building="", unit="", room="")
    rest = norm[m.end() :]
    unit = room = ""
    if um := _UNIT.match(rest):
        unit, rest = um.group(1), rest[um.end() :]
    if rm := _ROOM.match(rest):
        room = rm.group(1)
    return ParsedAddress(place=norm[: m.start()], building=m.group(1), unit=unit, room=room)


def place_core(name: str) -> str:
    """A community or compound name without its generic suffix: 怡园社区 → 怡园."""
    for suffix in ("社区居委会", "居委会", "社区", "小区", "花园", "新村", "村"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
