from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.accounts import tokens
from wangge.accounts.models import ApiToken
from wangge.accounts.requests import AuthedRequest
from wangge.accounts.selectors import scope_for_user, user_role_list
from wangge.core.throttling import TokenThrottle


class RoleOut(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField()
    grid_code = serializers.CharField(allow_null=True)
    grid_name = serializers.CharField(allow_null=True)
    department_code = serializers.CharField(allow_null=True)
    department_name = serializers.CharField(allow_null=True)


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = RoleOut(many=True)
    scope_paths = serializers.ListField(child=serializers.CharField())
    # A response key; the serializer metaclass moves declared fields off the class, so this
    # never shadows `Field.read_only`.
    read_only = serializers.BooleanField()  # type: ignore[assignment]


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOut, summary="当前用户、角色与数据范围")
    def get(self, request: AuthedRequest) -> Response:
        user = request.user
        scope = scope_for_user(user)
        roles = [
            {
                "role": a.role,
                "role_display": a.get_role_display(),
                "grid_code": a.grid.code if a.grid else None,
                "grid_name": a.grid.name if a.grid else None,
                "department_code": a.department.code if a.department else None,
                "department_name": a.department.name if a.department else None,
            }
            for a in user_role_list(user)
        ]
        return Response(
            MeOut(
                {
                    "id": user.pk,
                    "username": user.username,
                    "display_name": user.display_name,
                    "roles": roles,
                    "scope_paths": list(scope.grid_paths),
                    "read_only": scope.read_only,
                }
            ).data
        )


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False)


class TokenOut(serializers.Serializer):
    token = serializers.CharField(help_text="只在此时显示一次；服务器只保存其摘要")
    expires_at = serializers.DateTimeField(help_text="最迟失效时间（续期不延长）")
    idle_minutes = serializers.IntegerField(help_text="超过此分钟数未使用即失效")


def _token_out(issued: tokens.Issued) -> Response:
    response = Response(
        TokenOut(
            {
                "token": issued.key,
                "expires_at": issued.token.expires_at,
                "idle_minutes": int(tokens.idle_limit().total_seconds() // 60),
            }
        ).data
    )
    response["Cache-Control"] = "no-store"
    return response


class TokenView(APIView):
    """Exchange username and password for an API token (lockout rules apply)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenIn, responses=TokenOut, summary="用户名密码换取接口令牌")
    def post(self, request: Request) -> Response:
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = {"username": data.validated_data["username"]}
        if AxesProxyHandler.is_locked(request, credentials):
            return Response(
                {"detail": "连续登录失败次数过多，账户已被暂时锁定，请稍后再试", "code": "locked"},
                status=429,
            )
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("用户名或密码错误")
        return _token_out(tokens.token_issue(user=user, request=request))


def _presented(request: Request) -> ApiToken:
    """The token the request authenticated with (these views accept API tokens only)."""
    if not isinstance(request.auth, ApiToken):
        raise exceptions.NotAuthenticated()
    return request.auth


class TokenRefreshView(APIView):
    """A new key for the presented token; the old key stops working at once."""

    permission_classes = [IsAuthenticated]
    authentication_classes = [tokens.ApiTokenAuthentication]

    @extend_schema(request=None, responses=TokenOut, summary="续期接口令牌（换发新令牌）")
    def post(self, request: Request) -> Response:
        return _token_out(tokens.token_refresh(token=_presented(request), request=request))


class TokenLogoutView(APIView):
    """Revoke the presented token (`all=true`: every token of the user)."""

    permission_classes = [IsAuthenticated]
    authentication_classes = [tokens.ApiTokenAuthentication]

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("all", bool, description="吊销本人的全部令牌")],
        responses={204: None},
        summary="退出登录（吊销令牌）",
    )
    def post(self, request: AuthedRequest) -> Response:
        everything = request.query_params.get("all", "").lower() in ("1", "true")
        tokens.token_revoke_all(
            user=request.user,
            reason=ApiToken.RevokeReason.LOGOUT,
            request=request,
            only=None if everything else _presented(request),
        )
        return Response(status=204)
