"""The password backend, loading with the user what every page asks of them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from inventory.permissions import warehouse_grants
from portal import versions
from portal.accounts.permissions import company_grants


class PortalBackend(ModelBackend):
    """Django's own password check; a signed-in request's user comes from the cache.

    Every page shows the user's company and navigation by role, and most list what the
    user's companies (or warehouses) may see. So the user is read with their membership,
    its company, the names of their groups and their permissions on companies and
    warehouses, in one query (``membership_of``, ``roles_of``, ``company_ids_visible_to``
    and ``warehouse_ids_of`` take them from it),
    and cached under the users' data version (``portal.versions``): any write to those
    tables, a password change or a deactivation included, moves the version, and the
    next request reads the user afresh. A request then pays one small query for the
    version instead of planning and running the user's.

    The cached user carries its password hash, which Django checks the session against;
    the cache is as private as the sessions it already holds.
    """

    def get_user(self, user_id):
        return versions.cached(versions.USERS, ("user", user_id), lambda: self._load(user_id))

    def _load(self, user_id):
        group_names = Group.objects.filter(user=OuterRef("pk")).values("name")
        user = (
            get_user_model()
            ._default_manager.select_related("membership__company")
            .annotate(
                portal_group_names=ArraySubquery(group_names),
                **company_grants(OuterRef("pk")),
                **warehouse_grants(OuterRef("pk")),
            )
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._portal_membership = getattr(user, "membership", None)
        return user
