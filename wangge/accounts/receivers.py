"""Login auditing.

Django announces logins, failures and logouts only through its auth signals, and django-axes
announces lockouts the same way, so these receivers are the one place that writes those audit
rows (and, on a lockout, revoke the account's API tokens).
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from wangge.core.models import AuditLog
from wangge.core.services import audit_record


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit_record(action=AuditLog.Action.LOGIN_SUCCESS, actor=user, request=request)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        action=AuditLog.Action.LOGIN_FAILURE,
        username=str(credentials.get("username", ""))[:150],
        request=request,
    )


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditLog.Action.LOGOUT, actor=user, request=request)


@receiver(user_locked_out)
def _audit_locked(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(action=AuditLog.Action.LOGIN_LOCKED, username=username or "", request=request)
    # A lockout is announced only through this signal: it also ends the account's API tokens,
    # or someone guessing the password would be locked out while a stolen token still worked.
    from wangge.accounts.models import ApiToken, User
    from wangge.accounts.tokens import token_revoke_all

    user = User.objects.filter(username=username or "").first()
    if user is not None:
        token_revoke_all(user=user, reason=ApiToken.RevokeReason.LOCKED, request=request)
