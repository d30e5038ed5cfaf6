"""The production stack in deploy/: what can be checked without Docker."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def command(service: dict) -> list[str]:
    run = service.get("command", [])
    return run.split() if isinstance(run, str) else run


def image_command() -> list[str]:
    """The Dockerfile's CMD, in its JSON form."""
    dockerfile = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    [cmd] = re.findall(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    return json.loads(cmd)


def test_compose_runs_every_process_of_the_portal(services):
    assert command(services["app"])[:2] == ["gunicorn", "portal.wsgi"]
    assert command(services["worker"])[-1] == "db_worker"
    assert command(services["scheduler"])[-1] == "run_scheduler"
    assert command(services["migrate"])[2:4] == ["migrate", "--no-input"]
    assert services["balancer"]["image"].startswith("haproxy:")
    assert services["redis"]["image"].startswith("redis:")
    postgres, version = services["db"]["image"].split(":")
    assert postgres == "postgres"
    assert int(version.split(".")[0]) >= 16


def test_every_portal_process_gets_the_production_settings(services):
    for name in ("app", "worker", "scheduler", "migrate"):
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "0", name
        for variable in (
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "CSRF_TRUSTED_ORIGINS",
            "TRUSTED_PROXY_COUNT",
        ):
            assert environment[variable], f"{name}: {variable}"
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert environment["REDIS_URL"].startswith("redis://"), name
        # The worker writes the invoice PDFs that every app server hands out.
        assert "media:/app/media" in services[name]["volumes"], name


def test_compose_and_the_image_serve_the_same_wsgi_application(services):
    module = settings.WSGI_APPLICATION.rsplit(".", 1)[0]

    assert image_command() == command(services["app"])
    assert image_command()[:2] == ["gunicorn", module]


def test_haproxy_checks_the_health_page_on_the_port_gunicorn_listens_on(services):
    config = (DEPLOY / "haproxy.cfg").read_text()
    gunicorn = command(services["app"])
    port = gunicorn[gunicorn.index("--bind") + 1].rsplit(":", 1)[1]

    assert f"uri {reverse('healthz')} " in config
    assert re.search(rf"^\s+server-template app \d+ app:{port}$", config, flags=re.MULTILINE)


def test_haproxy_accepts_its_configuration(tmp_path):
    # given a certificate for HAProxy to load, as the balancer's volume holds one
    certificate = tmp_path / "portal.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=portal.example.com",
            "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    certificate.write_text((tmp_path / "cert.pem").read_text() + (tmp_path / "key.pem").read_text())

    # when HAProxy checks the configuration with the environment compose gives it
    check = subprocess.run(
        ["haproxy", "-c", "-f", DEPLOY / "haproxy.cfg"],
        env={
            "PATH": os.environ["PATH"],
            "TLS_CERT": str(certificate),
            "PORTAL_HOST": "portal.example.com",
        },
        capture_output=True,
        text=True,
    )

    # then it finds nothing wrong, not even a warning
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Warnings were found" not in check.stdout + check.stderr
