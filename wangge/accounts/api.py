from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.accounts.requests import AuthedRequest
from wangge.accounts.selectors import scope_for_user, user_role_list


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


class TokenView(ObtainAuthToken):
    """Exchange username and password for an API token (lockout rules apply)."""

    def post(self, request, *args, **kwargs):
        credentials = {"username": request.data.get("username", "")}
        if AxesProxyHandler.is_locked(request, credentials):
            return Response(
                {"detail": "连续登录失败次数过多，账户已被暂时锁定，请稍后再试", "code": "locked"},
                status=429,
            )
        return super().post(request, *args, **kwargs)
