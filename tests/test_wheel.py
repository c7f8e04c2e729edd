"""The built wheel carries the shipped catalogue and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_wheel_renders_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)], check=True)
    (wheel,) = dist.glob("replykit-*.whl")
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)

    env = {k: v for k, v in os.environ.items() if k != "REPLYKIT_CATALOG"}
    env["PYTHONPATH"] = str(site)
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import replykit, replykit.library as l; print(replykit.__file__); print(l.shipped_catalogue())",
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert all(line.startswith(str(site)) for line in where), where
    assert (site / "replykit" / "py.typed").is_file()
    assert (site / "replykit" / "catalogue" / "locales" / "zh-TW.yaml").is_file()
    assert (site / "replykit" / "server" / "pages" / "assist.js").is_file()  # the pages need no build step

    script = site / "bin" / "replykit"
    for command in ([str(script)], [sys.executable, "-m", "replykit"]):
        result = subprocess.run(
            [*command, "render", "customs.import_tax", "--locale", "es-MX", "--example"],
            cwd=outside,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "Estimada María:" in result.stdout
