"""Produce nahrain/registry/data/match_model.json: the matcher's default parameters, which the
registration check weighs with until ``nahrain registry dedupe`` has learnt a model from the
registry itself.

They are learnt by ``dedup.link.dedupe`` from the labelled generator
(``nahrain.testing.people.generate``), a synthetic list of Iraqi families registered by several
partners: no real person's data. Run from the repository's root:

    .venv/bin/python scripts/match_model.py [PEOPLE] [SEED]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nahrain.settings")

import django  # noqa: E402

django.setup()

from nahrain.registry import matching  # noqa: E402
from nahrain.registry.dedup import link  # noqa: E402
from nahrain.testing import people  # noqa: E402

VERSION = 1


def main(count: int = 30_000, seed: int = 1) -> None:
    started = time.perf_counter()
    labelled = people.generate(count, seed=seed)
    records, _, trained = link.dedupe(labelled.records, progress=print)
    out = {
        "version": VERSION,
        "source": (
            f"dedup.link.dedupe trained on nahrain.testing.people.generate({count}, "
            f"seed={seed}): {len(records)} synthetic records, no real person's data "
            "(scripts/match_model.py)"
        ),
        "parameters": matching.compact(trained),
    }
    target = ROOT / "nahrain" / "registry" / "data" / "match_model.json"
    target.write_text(json.dumps(out, ensure_ascii=False, sort_keys=True) + "\n", "utf-8")
    print(f"{target}: {target.stat().st_size:,} bytes in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 30_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 1,
    )
