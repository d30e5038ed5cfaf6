from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import policy_thresholds
from portal.accounts import two_factor
from portal.accounts.forms import CodeForm, InviteForm, MemberForm, SignInForm
from portal.accounts.invites import invite_send, invite_tokens
from portal.accounts.permissions import (
    member_for,
    members_visible_to,
    membership_of,
    require_role,
)
from portal.accounts.services import (
    MemberError,
    member_deactivate,
    member_invite,
    member_reactivate,
    member_update,
)


class LoginView(auth_views.LoginView):
    """Sign-in; django-axes counts the failures and answers a locked-out one (signin.py)."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an email address and mails each active user of it a one-time link to set a
    new password; an unknown address gets the same answer and no email."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    @property
    def extra_email_context(self):
        # The link is built on PORTAL_URL, never on the Host header a request claims.
        now = timezone.now()
        return {
            "portal_url": settings.PORTAL_URL.rstrip("/"),
            "valid_for": timeuntil(now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), now),
        }

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link: choose a new password, once, while the link is valid."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@login_required
def company_users(request):
    require_role(request.user, "company_admin")
    members = members_visible_to(request.user).order_by("user__username")
    company = membership_of(request.user).company
    return render(
        request,
        "accounts/company_users.html",
        {"members": members, "company": company, "thresholds": policy_thresholds(company)},
    )


def _member_initial(member) -> dict:
    return {name: getattr(member, name) for name in MemberForm.ROLE_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def company_user_edit(request, pk: int):
    # No role check first: whoever may not manage this member gets 404, never a hint.
    member = member_for(request.user, pk)
    status = 200
    if request.method == "POST":
        form = MemberForm(request.POST, initial=_member_initial(member))
        if form.is_valid():
            try:
                member_update(member=member, roles=form.roles(), by=request.user)
            except MemberError as error:
                form.refuse(error)
            else:
                messages.success(request, f"Saved {member.user.get_username()}.")
                return redirect("company-users")
        status = 400
    else:
        form = MemberForm(initial=_member_initial(member))
    return render(
        request, "accounts/company_user_edit.html", {"member": member, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_user_invite(request):
    require_role(request.user, "company_admin")
    company = membership_of(request.user).company
    status = 200
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                member = member_invite(
                    company=company,
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    roles=form.roles(),
                    by=request.user,
                )
            except MemberError as error:
                form.refuse(error)
            else:
                invite_send(member=member, by=request.user)
                messages.success(
                    request, f"Invited {member.user.get_username()}: the link is on its way."
                )
                return redirect("company-users")
        status = 400
    else:
        form = InviteForm(initial={"is_buyer": True})
    return render(
        request,
        "accounts/company_user_invite.html",
        {"form": form, "company": company},
        status=status,
    )


def _member_action(request, pk: int, action, done: str):
    member = member_for(request.user, pk)
    try:
        action(member=member, by=request.user)
    except MemberError as error:
        messages.error(request, str(error))
        return render(
            request,
            "accounts/company_user_edit.html",
            {"member": member, "form": MemberForm(initial=_member_initial(member))},
            status=409,
        )
    messages.success(request, done.format(user=member.user.get_username()))
    return redirect("company-users")


@login_required
@require_POST
def company_user_deactivate(request, pk: int):
    return _member_action(
        request, pk, member_deactivate, "{user} is deactivated and signed out everywhere."
    )


@login_required
@require_POST
def company_user_reactivate(request, pk: int):
    return _member_action(request, pk, member_reactivate, "{user} may sign in again.")


@login_required
@require_POST
def company_user_invite_again(request, pk: int):
    member = member_for(request.user, pk)
    if member.user.has_usable_password() or not member.user.is_active:
        messages.error(request, f"{member.user.get_username()} has no invitation waiting.")
        return redirect("company-users")
    invite_send(member=member, by=request.user)
    messages.success(request, f"A new link is on its way to {member.user.email}.")
    return redirect("company-users")


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation's link: the new colleague chooses a password, once, while it works."""

    template_name = "accounts/invite_accept.html"
    token_generator = invite_tokens
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        messages.success(self.request, "Your password is set: sign in with it.")
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    if request.user.is_verified() or not two_factor.user_has_device(request.user):
        # Nothing to verify (an operator may have removed a lost device): no code is owed.
        request.session.pop(two_factor.PENDING_SESSION_KEY, None)
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            two_factor.verify(request, form.data.get("code", ""))
        except two_factor.TwoFactorError as error:
            form.add_error("code", str(error))
            status = 400
        else:
            return redirect(_safe_next(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _safe_next(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Turn two-factor sign-in on, see how many recovery codes are left, renew them, or
    turn it off where the role allows."""
    user = request.user
    device = two_factor.totp_device_of(user)
    context = {
        "device": device,
        "required": two_factor.is_required(user),
        "next": _safe_next(request) if "next" in request.GET else "",
    }
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm" and device is None:
                context["recovery_codes"] = two_factor.setup_confirm(
                    request, form.data.get("code", "")
                )
                context["device"] = two_factor.totp_device_of(user)
            elif action == "renew" and device is not None and user.is_verified():
                context["recovery_codes"] = two_factor.recovery_codes_renew(user=user)
            elif action == "off" and device is not None:
                two_factor.turn_off(request, form.data.get("code", ""))
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("two-factor")
            else:
                return HttpResponseBadRequest("Unknown action for this page.")
        except two_factor.TwoFactorError as error:
            form.add_error("code", str(error))
            status = 400
    if context["device"] is None:
        context["qr_url"] = two_factor.setup_qr_data_url(request)
        context["secret"] = two_factor.setup_secret_text(request)
    else:
        context["codes_left"] = two_factor.recovery_codes_left(user)
    context["form"] = form
    return render(request, "accounts/two_factor.html", context, status=status)
