"""Generate a large catalogue for benchmarks: the shipped templates cloned to N keys.

    python benchmarks/make_catalogue.py OUT_DIR [--keys 1000]

Every clone gets its own key and a sentence naming it, so no two bodies are the
same; languages, locales and variables are the shipped ones.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import yaml

import replykit
from replykit.library import shipped_catalogue

CLONE_NOTE = {
    "en": "Reference {n}: this reply was prepared for your case.",
    "es": "Referencia {n}: preparamos esta respuesta para su caso.",
    "zh": "参考编号 {n}：这是为您的情况准备的回复。",
}


class _NoAliases(yaml.SafeDumper):
    """Write shared lists out in full, as a person would (no &id001 / *id001)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def make_catalogue(out: Path, keys: int) -> Path:
    shipped = shipped_catalogue()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(shipped / "locales", out / "locales")
    shutil.copy(shipped / "replykit.yaml", out / "replykit.yaml")
    lib = replykit.load(shipped)
    source_keys = lib.keys()
    for language in lib.languages:
        by_group: dict[str, dict[str, object]] = {}
        docs = {
            path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in (shipped / "templates" / language).glob("*.yaml")
        }
        for n in range(keys):
            key = source_keys[n % len(source_keys)]
            group, name = key.split(".", 1)
            entry = dict(docs[group][key])
            note = CLONE_NOTE[language].format(n=n)
            if "email" in entry:
                email = dict(entry["email"])
                email["body"] = email["body"].replace("{{ sign_off }}", f"{note}\n\n{{{{ sign_off }}}}")
                entry["email"] = email
            if "chat" in entry:
                entry["chat"] = entry["chat"].rstrip("\n") + f" {note}\n"
            entry.pop("source", None)
            by_group.setdefault(group, {})[f"{group}.{name}_{n:04d}"] = entry
        folder = out / "templates" / language
        folder.mkdir(parents=True)
        for group, entries in by_group.items():
            text = yaml.dump(entries, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=1000)
            (folder / f"{group}.yaml").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--keys", type=int, default=1000)
    args = parser.parse_args()
    make_catalogue(args.out, args.keys)
    print(f"wrote {args.keys} keys x {len(replykit.load(args.out).languages)} languages to {args.out}")


if __name__ == "__main__":
    main()
