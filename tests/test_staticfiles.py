"""Production's static file storage (``portal.staticfiles``): the hashed addresses of the
collected files, remembered once found."""

import json

import pytest

from portal.staticfiles import StaticFilesStorage


@pytest.fixture
def collected(tmp_path):
    """A collected static folder whose manifest names one file."""
    manifest = {"paths": {"css/portal.css": "css/portal.5d41402abc4b.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_file_is_linked_by_its_hashed_name_every_time(collected):
    assert collected.url("css/portal.css") == "/static/css/portal.5d41402abc4b.css"
    assert collected.url("css/portal.css") == "/static/css/portal.5d41402abc4b.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(collected):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            collected.url("css/gone.css")
