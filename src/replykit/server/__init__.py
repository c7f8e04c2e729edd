"""``replykit serve``: the reply desk, an HTTP API and two pages over a catalogue.

Needs the ``server`` extra (``pip install "replykit[server]"``). :func:`create_app`
builds the ASGI app; the CLI serves it with uvicorn.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
