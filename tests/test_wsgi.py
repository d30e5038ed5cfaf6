"""The WSGI application every app server loads (``portal.wsgi``)."""

import subprocess  # nosec B404
import sys


def test_loading_the_application_hides_what_it_made_from_full_collections():
    # in a process of its own, as an app server's worker loads it
    code = (
        "import gc, portal.wsgi; "
        "assert portal.wsgi.application is not None; "
        "print(gc.get_freeze_count())"
    )
    found = subprocess.run(  # nosec B603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert int(found.stdout) > 10_000
