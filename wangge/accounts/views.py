from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from wangge.accounts.requests import request_user
from wangge.accounts.services import user_password_changed


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(user=request_user(self.request), request=self.request)
        return response
