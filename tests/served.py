"""A real ``replykit serve`` process on a free port, for the API and browser tests.

Tests talk to it over HTTP as a helpdesk would; nothing runs in the test's own process.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from conftest import REPO

TOKEN = "test-token-0123456789"


@dataclass
class Server:
    url: str
    catalog: Path
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_catalogue(target: Path) -> Path:
    """The shipped catalogue, copied (so tests may write reviews.yaml), with one lint finding:
    the Spanish import-tax chat shouts (``shouting``)."""
    for name in ("templates", "locales"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "replykit.yaml", target / "replykit.yaml")
    spanish = target / "templates" / "es" / "customs.yaml"
    text = spanish.read_text("utf-8")
    assert "Los pedidos enviados a" in text
    spanish.write_text(text.replace("Los pedidos enviados a", "LOS PEDIDOS ENVIADOS a", 1), "utf-8")
    return target


@contextmanager
def serve(catalog: Path, log: Path, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """``replykit serve`` on a free port until the block ends; waits for /healthz."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REPLYKIT_")}
    environment.update({"REPLYKIT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1", **(env or {})})
    command = [sys.executable, "-m", "replykit", "serve", "--catalog", str(catalog), "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"replykit serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"replykit serve did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url, catalog, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
