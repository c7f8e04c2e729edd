"""Every reply of the shipped catalogue as JSON, to compare two versions of replykit.

    python benchmarks/render_all.py [CATALOGUE] > before.json   # on one version
    python benchmarks/render_all.py [CATALOGUE] > after.json    # on the other
    cmp before.json after.json

Each key x locale (the shipped ones, a region without a locale file, two languages
without templates) x channel x formality is rendered with its examples and a fixed
clock: a change that should not change any reply must leave the file byte-identical.
The catalogue is the shipped one, or the folder given (such as the lint benchmark's).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import replykit

LOCALES = ["en-US", "en-GB", "en", "es", "es-ES", "es-MX", "es-AR", "zh", "zh-CN", "zh-TW", "zh-HK", "de-DE", "fr"]


def main() -> None:
    lib = replykit.load(*sys.argv[1:2])
    lib.clock = lambda: dt.datetime(2026, 3, 5, 9, tzinfo=dt.timezone.utc)
    out = {}
    for key in lib.keys():
        for locale in LOCALES:
            for channel in lib.template(key).channels:
                for formality in (None, "formal", "informal"):
                    reply = lib.render(
                        key, locale=locale, channel=channel, formality=formality, values=lib.examples(key, locale)
                    )
                    out[f"{key}|{locale}|{channel}|{formality}"] = [
                        reply.subject, reply.body, reply.html, reply.locale, reply.language,
                        [str(d) for d in reply.defects],
                    ]  # fmt: skip
    json.dump(out, sys.stdout, ensure_ascii=False, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
