"""The password backend, loading with the user what every page asks of them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef


class PortalBackend(ModelBackend):
    """Django's own password check; a signed-in request's user is read in one query.

    Every page shows the user's company and navigation by role, so their membership, its
    company and the names of their groups come with them: three queries a request fewer
    than reading each where it is first needed (``membership_of`` and ``roles_of`` take
    them from what is loaded here).
    """

    def get_user(self, user_id):
        group_names = Group.objects.filter(user=OuterRef("pk")).values("name")
        user = (
            get_user_model()
            ._default_manager.select_related("membership__company")
            .annotate(portal_group_names=ArraySubquery(group_names))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._portal_membership = getattr(user, "membership", None)
        return user
