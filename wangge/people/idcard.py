"""Citizen identity numbers (公民身份号码, GB 11643-1999).

18 characters: 6-digit address code (GB/T 2260), 8-digit birth date, 3-digit sequence (odd for
men, even for women), 1 check character computed ISO 7064 MOD 11-2 over the first 17 digits
("X" stands for 10). Legacy 15-digit numbers (issued before 1999) have a 2-digit year, no check
character and are converted by inserting "19" and appending the check character.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_RE18 = re.compile(r"^[1-9]\d{16}[\dX]$")
_RE15 = re.compile(r"^[1-9]\d{14}$")


class IdNumberError(ValueError):
    """The number is refused; `str(err)` is a Chinese message for the person who typed it."""


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str  # 18 characters, upper-case X
    birth_date: dt.date
    sex: str  # "M" or "F"
    converted_from_15: bool = False

    @property
    def region_code(self) -> str:
        return self.number[:6]


def check_char(first17: str) -> str:
    total = 0
    for weight, digit in zip(WEIGHTS, first17, strict=True):
        total += weight * (ord(digit) - 48)
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    """Strip spaces and full-width characters people paste from Word and Excel."""
    text = str(raw).strip().translate(_FULLWIDTH).replace(" ", "").replace("-", "")
    # Excel turns long numbers into floats ("3.50427199001011234E17"): that is not recoverable.
    return text.upper()


_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ\u3000", "0123456789XXX ")


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise a citizen ID; raises IdNumberError with the reason."""
    text = normalise(raw)
    converted = False
    if _RE15.match(text):
        text = f"{text[:6]}19{text[6:]}"
        text += check_char(text)
        converted = True
    elif not _RE18.match(text):
        if "E" in text or "." in text:
            raise IdNumberError(
                "身份证号被表格软件转成了科学计数法，请把该列设为文本格式后重新录入"
            )
        raise IdNumberError("身份证号格式错误：应为 18 位（末位可为 X）或旧式 15 位数字")
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期 {text[6:14]} 不是有效日期") from None
    today = today or dt.date.today()
    if birth > today:
        raise IdNumberError(f"身份证号中的出生日期 {birth:%Y-%m-%d} 在未来，号码有误")
    if birth.year < 1900:
        raise IdNumberError(f"身份证号中的出生年份 {birth.year} 早于 1900 年，号码有误")
    if not converted:
        expected = check_char(text[:17])
        if text[17] != expected:
            raise IdNumberError(f"身份证号校验位错误：末位应为 {expected}，而不是 {text[17]}")
    sex = "M" if int(text[16]) % 2 else "F"
    return IdNumber(number=text, birth_date=birth, sex=sex, converted_from_15=converted)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid 18-digit number (demo and benchmark data)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask_id(number: str, *, wide: bool) -> str:
    """6+4 (`wide`) for roles that need the region and tail, 1+1 for everyone else."""
    if not number:
        return ""
    if wide:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return number[0] + "*" * (len(number) - 2) + number[-1]


def mask_phone(phone: str) -> str:
    """3+4: 138****5678; landlines keep their area code and last four."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
