"""`make dev` on a fresh clone: every page it prints answers 200, the UI extension bundles
included (a fresh clone has no `extensions/*/dist/`: `make dev` must build them itself)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devshop.extension_host import EXTENSIONS
from devshop.processes import ROOT, free_port

BANNER_END = "Ctrl-C stops everything."
PAGE = re.compile(r"^  (?P<label>[A-Z][^:]+):\s+(?P<url>http://\S+)$", re.MULTILINE)


def fresh_clone(target: Path) -> Path:
    """The files a clone of this tree has (tracked, or new and not ignored), as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    # What `make setup` installs; the clone's own `npm ci` would give the same tree.
    (target / "node_modules").symlink_to(ROOT / "node_modules")
    return target


@pytest.fixture
def make_dev(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`scripts/dev.py` (what `make dev` runs after set-up) in a fresh clone; its banner."""
    clone = fresh_clone(tmp_path / "clone")
    assert not list(clone.glob("extensions/*/dist"))
    log = tmp_path / "dev.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHOPIFY_", "REDIS_", "SQLITE_"))
    }
    env |= {"PYTHONPATH": str(clone), "PORT": str(free_port()), "DEVSHOP_PORT": str(free_port())}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "scripts/dev.py"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 90
        while BANNER_END not in (output := log.read_text(errors="replace")):
            assert process.poll() is None, output
            assert time.monotonic() < deadline, output
            time.sleep(0.2)
        yield output, clone
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_every_page_make_dev_prints_answers_200_on_a_fresh_clone(
    make_dev: tuple[str, Path],
) -> None:
    banner, clone = make_dev
    pages = {match["label"]: match["url"] for match in PAGE.finditer(banner)}
    assert {
        "Storefront sign-in (demo customer Ada)",
        "An order to cancel (after signing in)",
        "App Home in devshop's admin",
        "Thank-you page (UI extension)",
        "Order action menu (UI extension)",
    } <= set(pages)
    devshop = pages["Storefront sign-in (demo customer Ada)"].removesuffix("/account/login")
    bundles = [
        f"{devshop}/extensions/dist/{extension}/{file}"
        for extension, files in EXTENSIONS.items()
        for file in sorted(files)
    ]
    with httpx.Client(follow_redirects=True, timeout=10.0) as client:
        for url in [*pages.values(), *bundles]:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])

        # A change to an extension's source reaches its bundle while `make dev` runs.
        source = clone / "extensions" / "cancel-thank-you" / "src" / "ThankYouBlock.js"
        source.write_text(source.read_text() + '\nconsole.info("dev-watch-probe");\n')
        bundle = f"{devshop}/extensions/dist/cancel-thank-you/ThankYouBlock.js"
        deadline = time.monotonic() + 30
        while "dev-watch-probe" not in client.get(bundle).text:
            assert time.monotonic() < deadline, "the bundle was not rebuilt"
            time.sleep(0.2)
