"""Requests to the portal in a process started with production settings; prints what came back.

Run by tests/test_settings.py as ``python -m tests.production_headers`` with the production
environment and ``DATABASE_URL`` pointing at the test database that holds the demo. Everything
these requests write (the session, the sign-in) is rolled back.
"""

import json
import os

import django

SIGNED_IN_PAGES = ["/", "/catalog/", "/catalog/NUT-M8/", "/orders/", "/cart/"]


class Rollback(Exception):
    pass


def answer(response) -> dict:
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client, override_settings

    from portal.demo import DEMO_PASSWORD

    if settings.DEBUG:
        raise SystemExit("Run with DEBUG=0: these are the production headers.")
    host = settings.ALLOWED_HOSTS[0]
    answers = {}
    # The hashed file names need `collectstatic`; which file a page links is not checked here.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        try:
            with transaction.atomic():
                # The test run stores the demo's passwords with a fast hash production
                # does not read: hash acme.buyer's as production does.
                buyer = get_user_model().objects.get(username="acme.buyer")
                buyer.set_password(DEMO_PASSWORD)
                buyer.save(update_fields=["password"])
                client = Client(HTTP_HOST=host)
                answers["plain http"] = answer(client.get("/accounts/login/"))
                answers["sign-in page"] = answer(client.get("/accounts/login/", secure=True))
                answers["sign-in"] = answer(
                    client.post(
                        "/accounts/login/",
                        {"username": "acme.buyer", "password": DEMO_PASSWORD},
                        secure=True,
                    )
                )
                for path in SIGNED_IN_PAGES:
                    answers[path] = answer(client.get(path, secure=True))
                raise Rollback
        except Rollback:
            pass
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
