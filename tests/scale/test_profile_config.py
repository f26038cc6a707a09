"""The scale-out profile's settings agree everywhere they are given: every variable bot/endpoints.scale.yml reads is
set by `make run PROFILE=scale` and by docker-compose.yml (which cannot run here), and the desk is pointed at the
same PostgreSQL and RabbitMQ queue as Rasa. Plain `make run` keeps the embedded endpoints."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from scripts.stack import ROOT

pytestmark = pytest.mark.scale

SCALE_ENDPOINTS = ROOT / "bot" / "endpoints.scale.yml"


def needed() -> set[str]:
    return set(re.findall(r"\$\{(\w+)\}", SCALE_ENDPOINTS.read_text(encoding="utf-8")))


def make_environment(*args: str) -> dict[str, str]:
    """The environment `make run` gives its services, for these make arguments."""
    # Only PATH and HOME from outside: under `make test` the outer make has already exported its own profile.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "RASA_TOKEN": "t",
           "ACTION_TOKEN": "t", "WEBCHAT_SESSION_SECRET": "t"}  # so make makes no secret files
    out = subprocess.run(["make", "-s", *args, "--eval", "print-run-env: ; @env -0", "print-run-env"], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=True).stdout
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def test_make_run_profile_scale_sets_everything_the_scale_endpoints_read():
    env = make_environment("PROFILE=scale")
    assert env["RASA_ENDPOINTS"] == "bot/endpoints.scale.yml"
    assert needed() <= set(env), needed() - set(env)
    assert env["DESK_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DESK_DATABASE_URL"].endswith(f"@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DB']}")
    assert env["DESK_EVENTS"] == (f"amqp://{env['RABBITMQ_USER']}:{env['RABBITMQ_PASSWORD']}@{env['RABBITMQ_HOST']}:"
                                  f"{env['RABBITMQ_PORT']}/")
    assert make_environment()["RASA_ENDPOINTS"] == "bot/endpoints.yml"


def test_compose_runs_the_same_profile():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    rasa, desk, rabbitmq = compose["rasa"], compose["desk"], compose["rabbitmq"]
    assert "--endpoints bot/endpoints.scale.yml" in rasa["command"]
    assert needed() <= set(rasa["environment"]), needed() - set(rasa["environment"])
    env = desk["environment"]
    assert env["EVENTS_QUEUE"] == rasa["environment"]["EVENTS_QUEUE"]
    user, password = env["RABBITMQ_USER"], env["RABBITMQ_PASSWORD"]
    assert env["DESK_EVENTS"] == f"amqp://{user}:{password}@{env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']}/"
    assert (rabbitmq["environment"]["RABBITMQ_DEFAULT_USER"], rabbitmq["environment"]["RABBITMQ_DEFAULT_PASS"]) == \
        (user, password)
    assert env["DESK_DATABASE_URL"] == (f"postgresql+psycopg://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@"
                                        f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DB']}")
    assert {"postgres", "redis", "rabbitmq"} <= set(rasa["depends_on"]) and "rabbitmq" in desk["depends_on"]
