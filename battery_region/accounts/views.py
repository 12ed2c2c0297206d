"""Login, profile, API tokens and the user's own personal data (export and erasure)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from battery_region.accounts import services
from battery_region.accounts.forms import ApiTokenForm, EmailAuthenticationForm, EraseAccountForm, ProfileForm
from battery_region.accounts.models import User


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(actor=user, user=user, data=form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "token_form": ApiTokenForm(),
            "memberships": user.memberships.select_related("organisation"),
            "tokens": user.api_tokens.all(),
            "new_token": request.session.pop("new_token", None),
        },
    )


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.api_token_create(user=_user(request), name=form.cleaned_data["name"])
        request.session["new_token"] = raw
        messages.success(request, _("Copy the token now: it will not be shown again."))
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(_user(request).api_tokens, pk=pk)
    services.api_token_revoke(user=_user(request), token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@login_required
def personal_data(request: HttpRequest) -> HttpResponse:
    data = services.user_personal_data(user=_user(request))
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="battery-region-personal-data.json"'
    return response


@login_required
def erase(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EraseAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.user_erase(actor=user, user=user)
        logout(request)
        messages.success(request, _("Your account and personal data were erased."))
        return redirect("core:home")
    return render(request, "accounts/erase.html", {"form": form})
