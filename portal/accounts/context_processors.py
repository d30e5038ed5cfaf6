from portal.accounts.permissions import membership_of, roles_of


def roles(request):
    """Expose the signed-in user's roles and company to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset(), "company": None}
    membership = membership_of(user)
    return {"roles": roles_of(user), "company": membership.company if membership else None}
