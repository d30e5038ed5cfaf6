"""Two-factor sign-in: an authenticator app (TOTP) plus one-time recovery codes, on django-otp.

Anyone may turn it on. With ``settings.TWO_FACTOR_REQUIRED``, finance, warehouse staff and
operators must: until they have set it up, and on each sign-in until they have given a
code, every page but the two-factor ones and signing out sends them there.

The secret of a device being set up lives in the session until a code from the app proves
it was copied; only then is a device written, so opening the setup page writes nothing.
"""

import secrets
from base64 import b32encode, b64encode
from binascii import unhexlify
from urllib.parse import urlencode

import qrcode
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.timesince import timeuntil
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from portal.accounts.models import StaffRole
from portal.accounts.permissions import OPERATOR, roles_of

# Roles that must sign in with a second factor when TWO_FACTOR_REQUIRED is on.
ROLES_REQUIRING = frozenset({StaffRole.FINANCE.value, StaffRole.WAREHOUSE.value, OPERATOR})
# Set at sign-in for a user with a device: the session waits for their code.
PENDING_SESSION_KEY = "two_factor_pending"
# The secret of the authenticator being set up, until its first code confirms it.
SETUP_SESSION_KEY = "two_factor_setup_key"
# Pages an unverified user may still open: the two-factor pages and signing out.
OPEN_URL_NAMES = frozenset(
    {"two-factor", "two-factor-verify", "logout", "login", "healthz", "stripe-webhook"}
)
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class TwoFactorError(ValueError):
    """A code that does not verify, or one given too soon after wrong ones."""


def is_required(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and bool(roles_of(user) & ROLES_REQUIRING)


def totp_device_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@receiver(user_logged_in)
def _ask_for_code_after_password(sender, request, user, **kwargs):
    """A password alone does not finish signing in a user who has a second factor."""
    if request is not None and hasattr(request, "session") and user_has_device(user):
        request.session[PENDING_SESSION_KEY] = True


class TwoFactorMiddleware:
    """Hold every page back from a signed-in user who still owes a code, or who must set up
    two-factor sign-in first; after ``django_otp.middleware.OTPMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The first to read the user: from here on the page reads the loaded user itself,
        # not through the lazy objects of the authentication and OTP middleware (two proxy
        # calls per attribute, and a page reads a hundred attributes).
        request.user = loaded(request.user)
        owed = self._owed(request)
        if owed and not self._open(request):
            return self._send_to(request, owed)
        return self.get_response(request)

    @staticmethod
    def _owed(request) -> str | None:
        """The page the user must pass first, if any; cheapest questions first."""
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.session.get(PENDING_SESSION_KEY):
            return "two-factor-verify"
        if is_required(user):
            return "two-factor"
        return None

    @staticmethod
    def _open(request) -> bool:
        path = request.path_info
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/favicon")):
            return True
        try:
            return resolve(path).url_name in OPEN_URL_NAMES
        except Resolver404:
            return False

    @staticmethod
    def _send_to(request, url_name: str) -> HttpResponse:
        target = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
        # Read from the header: django-htmx's middleware runs after this one.
        if request.headers.get("HX-Request") == "true":
            # A swap would put the code form inside the page: have htmx load it whole.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


def loaded(user):
    """``user`` itself, out of any lazy objects around it (each is loaded first)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def verify(request, code: str) -> None:
    """Check a code from the app, or a recovery code, and mark the session verified."""
    user = request.user
    code = "".join(code.split()).lower()
    if not code:
        raise TwoFactorError("Enter the code from your authenticator app or a recovery code.")
    kind = TOTPDevice if code.isdigit() else StaticDevice
    # Locked while checked, so two requests cannot both spend one code; a wrong code's
    # throttling count commits with the block, so the error is raised after it.
    with transaction.atomic():
        device = kind.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        allowed, detail = device.verify_is_allowed() if device else (True, None)
        verified = bool(device and allowed and device.verify_token(code))
    if not allowed:
        raise TwoFactorError(_wait_message(detail))
    if not verified:
        raise TwoFactorError("That code is not right.")
    _mark_verified(request, device)


def _wait_message(detail: dict | None) -> str:
    until = (detail or {}).get("locked_until")
    if until is None:
        return "Too many wrong codes. Wait a moment and try again."
    return f"Too many wrong codes. Try again in {timeuntil(until, timezone.now()) or '1 second'}."


def _mark_verified(request, device) -> None:
    # A new session key once the second factor is in: a key seen before it is worth nothing.
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


def setup_key(request) -> str:
    """The hex secret of the authenticator being set up in this session (made once)."""
    key = request.session.get(SETUP_SESSION_KEY)
    if not key:
        key = secrets.token_hex(20)
        request.session[SETUP_SESSION_KEY] = key
    return key


def setup_uri(request) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    device = TOTPDevice(user=request.user, key=setup_key(request))
    return device.config_url


def setup_qr_data_url(request) -> str:
    """The setup address as an SVG QR code in a ``data:`` URL: drawn here, nothing loaded
    from elsewhere, and shown as an image, so no markup of ours goes into the page raw."""
    image = qrcode.make(setup_uri(request), image_factory=SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode()


def setup_secret_text(request) -> str:
    """The secret as base32 in groups of four, for typing into an app by hand."""
    text = b32encode(unhexlify(setup_key(request))).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup_confirm(request, code: str) -> list[str]:
    """Turn two-factor sign-in on with the session's secret once ``code`` proves the app has
    it; returns the new recovery codes, shown this one time."""
    user = request.user
    key = request.session.get(SETUP_SESSION_KEY)
    code = "".join(code.split())
    if not key:
        raise TwoFactorError("The setup expired. Scan the new QR code and try again.")
    if not (code.isdigit() and len(code) == 6):
        raise TwoFactorError("Enter the 6-digit code your authenticator app shows.")
    totp = TOTP(unhexlify(key))
    if not totp.verify(int(code), tolerance=1):
        raise TwoFactorError("That code is not right. Check the app's clock and try again.")
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=totp.t()
        )
        codes = _recovery_codes_replace(user)
    del request.session[SETUP_SESSION_KEY]
    _mark_verified(request, device)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """New recovery codes for ``user``; the old ones stop working."""
    return _recovery_codes_replace(user)


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def turn_off(request, code: str) -> None:
    """Remove the user's second factor, confirmed with a current code; refused where the
    user's role requires one."""
    user = request.user
    if is_required(user):
        raise TwoFactorError("Your role requires two-factor sign-in; it cannot be turned off.")
    verify(request, code)
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
