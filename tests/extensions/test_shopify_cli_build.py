"""Shopify's own CLI builds the app offline: `shopify app build` validates `shopify.app.toml` and
every extension, bundles the UI extensions and runs its Theme Check on the theme extension.

It runs as `npm ci` installed it (`@shopify/cli` pinned in package.json), with
`--skip-dependencies-installation` (otherwise it runs `npm install` in the root and in
`extensions/shared/`, which needs the registry) and `CI=1` (no prompts, no version check);
`SHOPIFY_CLI_NO_ANALYTICS=1` keeps its telemetry at home. Nothing else it does needs a network
or a Partner account.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOPIFY = ROOT / "node_modules" / ".bin" / "shopify"
SNIPPETS = sorted((ROOT / "extensions" / "cancel-button" / "snippets").glob("*.liquid"))
# The CLI 3.94.3 exits after a validation error, but hangs after an esbuild error (its esbuild
# context is never disposed): a build that has not finished by then has failed.
TIMEOUT = 180


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def shopify_app_build() -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "1", "SHOPIFY_CLI_NO_ANALYTICS": "1", "NO_COLOR": "1"}
    try:
        return subprocess.run(
            # --verbose: the CLI then names each extension it loaded and counts them by type.
            [
                str(SHOPIFY),
                "app",
                "build",
                "--skip-dependencies-installation",
                "--verbose",
                "--path",
                str(ROOT),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or b""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        raise AssertionError(f"shopify app build hung (a bundling error?):\n{output}") from None


def theme_check_offenses(output: str) -> Counter[tuple[str, str]]:
    """(severity, check) of each offense the CLI's Theme Check printed."""
    return Counter(re.findall(r"\[(error|warning|info)\]: (\w+)", output))


@dataclass(frozen=True)
class Build:
    output: str
    status_before: str
    status_after: str


def built_files() -> set[Path]:
    return set(ROOT.glob("extensions/*/dist/*"))


@pytest.fixture(scope="module")
def build() -> Iterator[Build]:
    assert SHOPIFY.is_file(), "make setup installs @shopify/cli from package.json"
    before, ours = git_status(), built_files()
    result = shopify_app_build()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    yield Build(output, before, git_status())
    # The CLI's bundles sit beside ours in dist/; devshop and `make bench` want ours alone.
    for path in built_files() - ours:
        path.unlink()


def test_shopify_app_build_succeeds_offline_and_leaves_the_tree_as_it_was(build: Build) -> None:
    output = build.output
    assert "Cancel Button built!" in output
    for handle in ("cancel-thank-you", "cancel-order-action", "withdraw-order-action"):
        assert (ROOT / "extensions" / handle / "dist" / f"{handle}.js").is_file()
        assert (ROOT / "extensions" / handle / "manifest.json").is_file()
    # The Flow triggers (issue 14) have nothing to bundle: the CLI validates and counts them.
    triggers = sorted(ROOT.glob("extensions/flow-*/shopify.extension.toml"))
    assert {p.parent.name for p in triggers} == {
        f"flow-{event}"
        for event in ("cancelled", "requested", "approved", "declined", "withdrawn", "edited")
    }
    for path in triggers:
        assert f"extensions/{path.parent.name}/shopify.extension.toml" in output
    assert f'\\"flow_trigger\\":{len(triggers)}' in output
    # What the CLI writes (manifest.json, .shopify/, dist/) is ignored; nothing else changed.
    assert build.status_after == build.status_before


def test_the_clis_theme_check_finds_only_its_known_orphaned_snippet_warnings(build: Build) -> None:
    # The CLI prints Theme Check's offenses but never fails on them, so this test does. Its
    # bundled theme graph does not take app blocks as entry points and calls every snippet of a
    # theme app extension orphaned (README, "Shopify's CLI"); our own Theme Check run, newer,
    # sees the block's `render` tags and reports nothing (tests/extensions/test_theme_extension).
    assert len(SNIPPETS) == 3
    assert theme_check_offenses(build.output) == Counter(
        {("warning", "OrphanedSnippet"): len(SNIPPETS)}
    )
