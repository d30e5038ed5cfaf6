from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from approvals.selectors import policy_thresholds
from portal.accounts.forms import LoginForm, MemberForm
from portal.accounts.permissions import (
    member_for,
    members_visible_to,
    membership_of,
    require_role,
)
from portal.accounts.services import membership_set


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 429 if getattr(form, "throttled", False) else 400
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
