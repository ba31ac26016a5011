"""API tokens: issue, refresh, revoke, and the DRF authentication class that checks them.

Lifetimes (settings): API_TOKEN_IDLE (unused this long → invalid) and API_TOKEN_MAX_AGE
(absolute, counted from the password login; a refresh keeps the original limit). Every issue,
refresh and revocation is written to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.db.models import Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework import authentication, exceptions

from wangge.accounts.models import ApiToken, AuthVersion, User
from wangge.accounts.selectors import ASSIGNMENT_COLUMNS, scope_remember
from wangge.accounts.tokencache import token_cache
from wangge.core.compiled import CompiledQuery
from wangge.core.models import AuditLog, ConfigVersion
from wangge.core.services import audit_record
from wangge.grids.models import GridTreeVersion

KEYWORDS = ("Token", "Bearer")
# last_used_at is written at most this often per token: one UPDATE per request would be a
# write on every API read.
TOUCH_EVERY = timedelta(minutes=1)


def idle_limit() -> timedelta:
    return timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES)


def max_age() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_MAX_AGE_HOURS)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_stamp(user: User) -> str:
    """Changes whenever the password does, through any path (form, admin, command)."""
    return salted_hmac("wangge.api-token", user.password, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    key: str  # shown to the client once, never stored


def _new(user: User, *, now: datetime, expires_at: datetime) -> Issued:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=key_digest(key),
        prefix=key[:8],
        password_stamp=password_stamp(user),
        created_at=now,
        last_used_at=now,
        expires_at=expires_at,
    )
    return Issued(token=token, key=key)


@transaction.atomic
def token_issue(*, user: User, request: HttpRequest | None = None) -> Issued:
    """A new token after a password login."""
    now = timezone.now()
    issued = _new(user, now=now, expires_at=now + max_age())
    audit_record(
        action=AuditLog.Action.TOKEN_ISSUE,
        actor=user,
        request=request,
        target=issued.token,
        detail={"prefix": issued.token.prefix, "expires_at": issued.token.expires_at.isoformat()},
    )
    return issued


@transaction.atomic
def token_refresh(*, token: ApiToken, request: HttpRequest | None = None) -> Issued:
    """A new key for a valid token; the old one is revoked; the absolute limit stays."""
    now = timezone.now()
    rows = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=ApiToken.RevokeReason.REFRESHED
    )
    if rows == 0:
        # 0 rows: a concurrent refresh or a revocation came first.
        raise exceptions.AuthenticationFailed("令牌已失效，请重新登录")
    issued = _new(token.user, now=now, expires_at=token.expires_at)
    audit_record(
        action=AuditLog.Action.TOKEN_REFRESH,
        actor=token.user,
        request=request,
        target=issued.token,
        detail={"prefix": issued.token.prefix, "replaces": token.prefix},
    )
    return issued


def token_revoke_all(
    *,
    user: User,
    reason: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    only: ApiToken | None = None,
) -> int:
    """Revoke the user's live tokens (or just `only`); returns how many were revoked."""
    qs = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if only is not None:
        qs = qs.filter(pk=only.pk)
    prefixes = list(qs.values_list("prefix", flat=True))
    count = qs.update(revoked_at=timezone.now(), revoked_reason=reason)
    if count:
        audit_record(
            action=AuditLog.Action.TOKEN_REVOKE,
            actor=actor if actor is not None else user,
            request=request,
            target=user,
            detail={"reason": reason, "prefixes": prefixes},
        )
    return count


_TOKEN_COLUMNS = [f.attname for f in ApiToken._meta.concrete_fields]
_USER_COLUMNS = [f.attname for f in User._meta.concrete_fields]
_LAST_USED = _TOKEN_COLUMNS.index("last_used_at")
_STAMPS = ("auth_stamp", "grid_stamp", "config_stamp")  # the last columns of every row
# Every API request reads its token and user, and nearly every one then its user's data scope:
# one read (a row per role assignment, or one with none), compiled once (wangge.core.compiled),
# with the stamps this process keeps it under (wangge.accounts.tokencache) as the last columns.
_live_token = CompiledQuery(
    lambda digest: (
        ApiToken.objects.filter(key_hash=digest, revoked_at__isnull=True)
        .annotate(
            auth_stamp=Subquery(AuthVersion.objects.filter(pk=1).values("version")),
            grid_stamp=Subquery(GridTreeVersion.objects.filter(pk=1).values("version")),
            config_stamp=Subquery(ConfigVersion.objects.filter(pk=1).values("version")),
        )
        .values_list(
            *_TOKEN_COLUMNS,
            *(f"user__{c}" for c in _USER_COLUMNS),
            *(f"user__role_assignments__{c}" for c in ASSIGNMENT_COLUMNS),
            *_STAMPS,
        )
    ),
    str,
)


def _live_rows(digest: str, now: datetime) -> list[tuple[Any, ...]]:
    """The token's rows, kept by this process or read; none when no live token has the key."""
    rows = token_cache.get(digest)
    # A kept token whose last use is a minute old is read again: another process may have used
    # it since (the idle limit is judged on the database's time), or it is due for a touch.
    if rows is None or now - rows[0][_LAST_USED] >= TOUCH_EVERY:
        read_at = time.monotonic()
        rows = _live_token.rows(digest)
        if rows:
            token_cache.put(digest, rows[0][-len(_STAMPS) :], rows, read_at)
    return rows


def _token_of(rows: list[tuple[Any, ...]]) -> ApiToken:
    alias = router.db_for_read(ApiToken)
    n, m = len(_TOKEN_COLUMNS), len(_TOKEN_COLUMNS) + len(_USER_COLUMNS)
    token = ApiToken.from_db(alias, _TOKEN_COLUMNS, rows[0][:n])
    token.user = User.from_db(alias, _USER_COLUMNS, rows[0][n:m])
    # The role is never empty: a row without one is the join finding no assignment.
    scope_remember(token.user, [row[m : -len(_STAMPS)] for row in rows if row[m] is not None])
    return token


def token_authenticate(key: str) -> tuple[User, ApiToken]:
    """The user of a presented key, or AuthenticationFailed with a Chinese message."""
    digest = key_digest(key)
    now = timezone.now()
    rows = _live_rows(digest, now)
    if not rows:
        raise exceptions.AuthenticationFailed("令牌无效或已被吊销，请重新登录")
    token = _token_of(rows)
    user = token.user
    if now >= token.expires_at or now - token.last_used_at > idle_limit():
        raise exceptions.AuthenticationFailed("令牌已过期，请重新登录")
    if not user.is_active:
        raise exceptions.AuthenticationFailed("账户已停用")
    if not constant_time_compare(token.password_stamp, password_stamp(user)):
        raise exceptions.AuthenticationFailed("密码已修改，令牌已失效，请重新登录")
    if now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        token_cache.touched(digest, [(*r[:_LAST_USED], now, *r[_LAST_USED + 1 :]) for r in rows])
    return user, token


def key_from_header(header: str) -> str | None:
    keyword, _, key = header.partition(" ")
    key = key.strip()
    if keyword in KEYWORDS and key and " " not in key and len(key) <= 100:
        return key
    return None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`)."""

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword = header.partition(" ")[0]
        if keyword not in KEYWORDS:
            return None
        key = key_from_header(header)
        if key is None:
            raise exceptions.AuthenticationFailed("令牌格式错误")
        return token_authenticate(key)

    def authenticate_header(self, request: Any) -> str:
        return "Token"
