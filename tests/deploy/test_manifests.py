"""deploy/'s Kubernetes manifest and Dockerfile agree with Squall's flags and timeouts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from squall.server.cli import build_parser
from squall.server.environ import configurable, env_name

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def known_variables() -> set[str]:
    return {env_name(action) for action in configurable(build_parser())}


def test_the_deployment_drains_within_its_grace_period() -> None:
    yaml = pytest.importorskip("yaml")
    deployment, service = yaml.safe_load_all((DEPLOY / "kubernetes" / "squall.yaml").read_text())
    pod: dict[str, Any] = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert set(env) <= known_variables()
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    drain = float(env["SQUALL_TIMEOUT_GRACEFUL_SHUTDOWN"])
    assert pod["terminationGracePeriodSeconds"] > float(pre_stop[1]) + drain
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == "http"
    assert container["ports"][0]["containerPort"] == int(env["SQUALL_PORT"])
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_dockerfile_runs_squall_as_a_non_root_user_with_known_settings() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    final_stage = text.split("FROM python:3.13-slim\n", 1)[1]
    assert re.search(r"^USER (?!root)\w+", final_stage, re.M)
    command = json.loads(re.search(r"^CMD (.+)$", final_stage, re.M).group(1))  # type: ignore[union-attr]
    assert command[:3] == ["squall", "--workers", "auto"]
    variables = set(re.findall(r"\b(SQUALL_[A-Z_]+)=", final_stage))
    assert variables and variables <= known_variables()
