"""The emailed invitation to a new colleague: a one-time link to set a password, expiring.

The link carries a token in the manner of Django's password reset: a hash over the
user's password, last sign-in, email and active flag, so setting the password (or being
deactivated) spends it, and a timestamp checked against ``INVITE_TIMEOUT_SECONDS``.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.timesince import timeuntil


class InviteTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "portal.accounts.invites.InviteTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return super()._make_hash_value(user, timestamp) + str(user.is_active)

    def check_token(self, user, token):
        # As Django's, with the invitation's own lifetime instead of PASSWORD_RESET_TIMEOUT.
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > settings.INVITE_TIMEOUT_SECONDS:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invite_tokens = InviteTokenGenerator()


def invite_url(user) -> str:
    path = reverse(
        "invite-accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invite_tokens.make_token(user),
        },
    )
    # Built on PORTAL_URL, never on the Host header a request claims.
    return settings.PORTAL_URL.rstrip("/") + path


def invite_send(*, member, by) -> None:
    """Email ``member`` their link; sending again gives a new link with a new lifetime."""
    now = timezone.now()
    context = {
        "member": member,
        "inviter": by,
        "url": invite_url(member.user),
        "valid_for": timeuntil(now + timedelta(seconds=settings.INVITE_TIMEOUT_SECONDS), now),
    }
    EmailMessage(
        subject=f"You are invited to order for {member.company.legal_name}",
        body=render_to_string("accounts/email/invite.txt", context),
        to=[member.user.email],
    ).send()
