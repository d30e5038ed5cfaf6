from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_http_methods

from approvals.selectors import policy_thresholds
from portal.accounts.forms import MemberForm
from portal.accounts.permissions import (
    member_for,
    members_visible_to,
    membership_of,
    require_role,
)
from portal.accounts.services import membership_set


class LoginView(auth_views.LoginView):
    """Sign-in; django-axes counts the failures and answers a locked-out one (signin.py)."""

    template_name = "accounts/login.html"
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


@login_required
@require_http_methods(["GET", "POST"])
def company_user_edit(request, pk: int):
    # No role check first: whoever may not manage this member gets 404, never a hint.
    member = member_for(request.user, pk)
    editing_self = member.user_id == request.user.pk
    initial = {
        "is_buyer": member.is_buyer,
        "is_approver": member.is_approver,
        "is_company_admin": member.is_company_admin,
        "approval_limit": member.approval_limit,
        "monthly_budget": member.monthly_budget,
    }
    status = 200
    if request.method == "POST":
        form = MemberForm(request.POST, initial=initial, editing_self=editing_self)
        if form.is_valid():
            membership_set(user=member.user, company=member.company, **form.cleaned_data)
            messages.success(request, f"Saved {member.user.get_username()}.")
            return redirect("company-users")
        status = 400
    else:
        form = MemberForm(initial=initial, editing_self=editing_self)
    return render(
        request, "accounts/company_user_edit.html", {"member": member, "form": form}, status=status
    )
