"""``python -m replykit``: the same as the ``replykit`` command."""

from .cli import main

main()
