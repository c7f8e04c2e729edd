"""The README's Dask recipe, on a local cluster of two worker processes."""

from __future__ import annotations

import json
from typing import Any

import pytest

import replykit

distributed = pytest.importorskip("distributed", reason="the dask extra: pip install 'replykit[dask]'")
bag = pytest.importorskip("dask.bag")

KEY = "review_request.request"


def render_partition(rows: list[dict[str, Any]], lib: replykit.Library) -> list[dict[str, Any]]:
    """The recipe: one partition of rows in, one output record per row out."""
    return [
        {"id": row.get("id"), **result.to_dict()}
        for row, result in zip(rows, lib.render_many(rows, key=KEY, locale_field="locale"), strict=True)
    ]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning", "ignore::UserWarning")
def test_dask_recipe_matches_single_process(lib: replykit.Library) -> None:
    example = lib.examples(KEY)
    locales = ["en-US", "es-MX", "zh-TW", "es-ES"]
    rows = [{**example, "id": i, "locale": locales[i % 4], "customer": {"first_name": f"C{i}"}} for i in range(400)]
    rows[17] = {"id": 17, "locale": "es-MX"}  # a bad row stays a row

    single = render_partition(rows, lib)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster):
        records = bag.from_sequence(rows, npartitions=8).map_partitions(render_partition, lib).compute()
    strip = lambda record: {k: v for k, v in record.items() if k != "row"}  # noqa: E731 - rows restart per partition
    assert [strip(r) for r in records] == [strip(r) for r in single]
    assert len(records) == 400 and "error" in records[17]
    assert json.dumps(records[0], ensure_ascii=False)
