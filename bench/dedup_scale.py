"""De-duplication at national scale: a list of N records through ``nahrain registry dedupe-file``.

    python bench/dedup_scale.py [--records 1000000] [--seed 1] [--output FILE.json]

Method. The labelled generator (``nahrain/testing/people.py``) draws people until their records
reach ``--records`` (about 1.8 records a person) and writes them as the dedupe-file CSV into a
temporary folder; that is not timed. Then the command's own function
(``nahrain.registry.dedup.files.dedupe_file``: read and check the CSV with the intake reader,
read each record, block, compare on every core, learn, weigh, cluster, write CLUSTERS.csv) runs
once, timed by ``time.perf_counter``, each stage as its progress line arrives. Peak memory is the
largest resident set of this process (the command) and of its largest comparison worker
(``ru_maxrss`` of self and children; the workers are forked, so pages they share with the
command count in both, and command plus workers is an upper bound).
The clusters are then scored against the labels (pairwise precision, recall, F1), so the speed
is of the matcher as it answers, not of a cut-down one.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/dedup_scale.json")
    return parser.parse_args(argv)


def machine() -> dict[str, object]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from nahrain.registry.dedup.files import dedupe_file
    from nahrain.testing import people

    # About 1.8 records a person: draw a little more than needed and keep the first records.
    labelled = people.generate(int(args.records / 1.78) + 1, seed=args.seed)
    records = labelled.records[: args.records]
    folder = Path(tempfile.mkdtemp(prefix="nahrain-dedup-"))
    source, clusters = folder / "records.csv", folder / "clusters.csv"
    people.write_csv(
        people.LabelledSet(records=records, labels=labelled.labels), source, folder / "labels.csv"
    )
    # The matcher's process holds only what the command holds: the labels are read back after.
    del labelled, records
    gc.collect()
    stages: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(message: str) -> None:
        stages.append((message, round(time.perf_counter() - started, 1)))
        print(f"{time.perf_counter() - started:8.1f} s  {message}", flush=True)

    count, found, _ = dedupe_file(source, clusters, progress=progress)
    seconds = time.perf_counter() - started
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    labelled = people.read_csv(source, folder / "labels.csv")
    records = labelled.records
    answer = dict(line.split(",") for line in clusters.read_text(encoding="utf-8").splitlines()[1:])
    person = {r["record_id"]: labelled.labels[r["record_id"]].person_id for r in records}
    cells = Counter((answer[rid], person[rid]) for rid in person)

    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter(cells))
    predicted = pairs(Counter(answer.values()))
    true = pairs(Counter(person.values()))
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    result = {
        "records": count,
        "people_found": found,
        "seconds": round(seconds, 1),
        # Each worker's peak counts the parent's pages it shares; with two workers the sum is
        # an upper bound of what the machine held at once.
        "peak_rss_mb_command": round(parent_mb),
        "peak_rss_mb_largest_worker": round(worker_mb),
        "workers": min(os.cpu_count() or 1, 4),
        "stages": stages,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4),
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
