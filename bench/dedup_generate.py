"""A labelled set of registrations of the same people by several partners, for de-duplication.

    python bench/dedup_generate.py --people 100000 --seed 1 --out records.csv --labels labels.csv

Writes the records (one row per registration, the columns of ``nahrain.testing.people.COLUMNS``)
and their labels (person, father, paternal grandfather, true date of birth, script, noise) as
UTF-8 CSV, deterministic by seed; the model and its rates are in ``nahrain/testing/people.py``.
Prints the counts and the time taken.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("records.csv"))
    parser.add_argument("--labels", type=Path, default=Path("labels.csv"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    # The module is imported from the checkout, wherever the command is run from.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from nahrain.testing import people

    started = time.perf_counter()
    labelled = people.generate(args.people, seed=args.seed)
    generated = time.perf_counter()
    people.write_csv(labelled, args.out, args.labels)
    written = time.perf_counter()
    persons = len({label.person_id for label in labelled.labels.values()})
    print(
        f"{persons} people, {len(labelled.records)} records; "
        f"generated in {generated - started:.1f} s, written in {written - generated:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
