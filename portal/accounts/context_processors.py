from portal.accounts.permissions import membership_of, roles_of
from portal.navigation import Navigation


def roles(request):
    """Expose the signed-in user's roles, company and navigation counts to every template.

    The counts are queried only if the page shows the navigation.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset(), "company": None, "nav": None}
    membership = membership_of(user)
    user_roles = roles_of(user)
    return {
        "roles": user_roles,
        "company": membership.company if membership else None,
        "nav": Navigation(user, user_roles, request.path),
    }
