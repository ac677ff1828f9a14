"""The property tests are deterministic in CI and explore by hand (profiles in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from strategies import SETTINGS

TESTS = Path(__file__).parent


def _header(**env: str) -> str:
    """The first lines pytest prints, under ``env`` (CI and HYPOTHESIS_PROFILE otherwise unset)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", __file__],
        cwd=TESTS,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"CI": "true"}, "hypothesis profile: ci (derandomized; chosen by CI is set)"),
        ({}, "hypothesis profile: dev (random examples; chosen by CI is not set)"),
        (
            {"CI": "1", "HYPOTHESIS_PROFILE": "dev"},
            "hypothesis profile: dev (random examples; chosen by HYPOTHESIS_PROFILE)",
        ),
    ],
)
def test_the_header_says_which_profile_is_active(env: dict[str, str], line: str) -> None:
    assert line in _header(**env)


def test_the_property_tests_settings_follow_the_profile() -> None:
    # strategies.SETTINGS sets only the example count: the rest comes from the active profile.
    assert SETTINGS.derandomize == settings.default.derandomize
    assert SETTINGS.deadline is None


def test_ci_runs_derandomized() -> None:
    ci = (TESTS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert 'export CI="${CI:-true}"' in ci
