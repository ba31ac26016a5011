"""Staff accounts' mobile numbers: stored encrypted and hashed like residents' phones
(people/crypto.py), never in plaintext.

Pages and the admin show `user_phone_masked`; code that must text the person reads
`user_phone`; a search by number compares `user_phone_hash` (an exact match: the hash hides
prefixes).
"""

from __future__ import annotations

import re
from typing import Any

from wangge.people.crypto import cipher
from wangge.people.idcard import mask_phone

PHONE_COLUMN = "accounts_user.phone"
# As the case intake accepts: digits, a leading +, dashes, brackets, spaces.
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,20}$")


def phone_key(phone: str) -> str:
    """The form hashed for look-ups: digits only (as cases.contact and people do)."""
    return re.sub(r"\D", "", phone or "")


def user_phone_fields(phone: str) -> dict[str, str]:
    """Column values for an account's phone: its ciphertext and its lookup hash."""
    phone = (phone or "").strip()
    c = cipher()
    return {
        "phone_cipher": c.encrypt(phone, column=PHONE_COLUMN) if phone else "",
        "phone_hash": c.lookup_hash(phone_key(phone), kind="phone") if phone else "",
    }


def user_phone_hash(phone: str) -> str:
    return cipher().lookup_hash(phone_key(phone), kind="phone") if phone_key(phone) else ""


def user_phone(user: Any) -> str:
    """The plain number, for code that must reach the person. Never put it on a page."""
    if not user.phone_cipher:
        return ""
    return cipher().decrypt(user.phone_cipher, column=PHONE_COLUMN)


def user_phone_masked(user: Any) -> str:
    return mask_phone(user_phone(user)) if user.phone_cipher else ""


def user_phone_set(user: Any, phone: str) -> list[str]:
    """Put `phone` on `user` (unsaved); returns the fields to save."""
    for field, value in user_phone_fields(phone).items():
        setattr(user, field, value)
    return ["phone_cipher", "phone_hash"]
