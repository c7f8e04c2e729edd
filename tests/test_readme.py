"""The README's Python examples run and print what their comments say."""

from __future__ import annotations

import re
from typing import Any

from conftest import REPO


def test_readme_python_blocks_run() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        printed: list[str] = []

        def record(*args: Any, printed: list[str] = printed) -> None:
            printed.append(" ".join(map(str, args)))

        exec(compile(block, "README.md", "exec"), {"print": record})
        claims = re.findall(r"^print\(.*?\)\s+# (.*)$", block, flags=re.M)
        assert len(printed) == len(claims)
        for output, claim in zip(printed, claims, strict=True):
            # "a ... b ... c" claims that a, b and c appear in this order; a comment
            # shows a no-break space (USD 1,234.50) as a plain one
            parts = [p.strip() for p in claim.split("   ")[0].split("...") if p.strip()]
            shown = output.replace("\xa0", " ")
            assert re.search(".*".join(map(re.escape, parts)), shown, flags=re.S), (claim, output)


def test_readme_console_examples_match_the_cli() -> None:
    import shlex

    from click.testing import CliRunner

    from replykit.cli import main

    text = (REPO / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```console\n\$ replykit (.*?)\n(.*?)```", text, flags=re.S)
    assert examples
    for command, expected in examples:
        result = CliRunner().invoke(main, shlex.split(command))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == expected.strip(), command


def test_readme_lists_every_shipped_key() -> None:
    import replykit

    text = (REPO / "README.md").read_text(encoding="utf-8")
    for key in replykit.load().keys():
        assert f"| `{key}` |" in text
