"""De-duplication quality: the registry's matcher side by side with three baselines, on a
labelled list of Iraqi registrations (issue #16).

    python bench/dedup_quality.py --people 100000 --seed 1 [--methods nahrain,exact,chain,splink]
                                  [--records R.csv --labels L.csv] [--errors /tmp/errors.txt]
                                  [--output bench/results/dedup_quality.json]

The list is ``nahrain.testing.people.generate(people, seed)``, or the labelled files given with
``--records`` and ``--labels`` (the generator's CSV columns, read by ``people.read_csv``). Every
method runs in this one process on the same rows and gives each record a cluster:

1. ``nahrain``: ``nahrain.registry.dedup.link.dedupe`` (the matcher under test).
2. ``exact``: first, father, grandfather and family names exactly as written, and the same date
   of birth (the full name as written where the chain is empty); a record without a date or a
   name is alone.
3. ``chain``: ``registry.names.name_key`` of the chain (``query_key`` of the full name where
   the chain is empty), the same date of birth and the same sex.
4. ``splink``: Splink 5 on DuckDB configured as its documentation's person examples are
   (``SPLINK_CONFIGURATION`` says exactly how), clustered at a match probability of 0.95.

Metrics, pairwise over all pairs of records, counted from the contingency of clusters and
labels (never by enumerating pairs): a true pair is two records of one person, a predicted pair
two records of one cluster; precision, recall and F1; the wrongly merged pairs of twins,
siblings and paternal cousins (``people.relation``) with their share of all such pairs of the
list; recall on true pairs written in one script and across scripts; seconds and the peak
resident memory of the process while the method ran (sampled every 20 ms).

With ``--errors``, 20 false-positive and 20 false-negative pairs of the matcher are written
side by side with their relation, the generator's noise letters and the matcher's levels.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from nahrain.registry import names
from nahrain.testing import people
from nahrain.testing.people import Label, LabelledSet

Row = Mapping[str, str]
Clusters = dict[str, str]  # record_id -> cluster id
METHODS = ("nahrain", "exact", "chain", "splink")
RELATIONS = ("twin", "sibling", "cousin", "parent")
SPLINK_THRESHOLD = 0.95


# --- metrics ---------------------------------------------------------------------------------


def pairs_sharing(keys: Iterable[Hashable]) -> int:
    """How many pairs of items share a key: the sum of n(n-1)/2 over the keys' counts."""
    return sum(n * (n - 1) // 2 for n in Counter(keys).values())


# The columns of a record's key tuple in pair_counts.
_GROUP, _PERSON, _FATHER, _GRANDFATHER, _BIRTH, _SCRIPT = range(6)


def pair_counts(labels: Mapping[str, Label], group: Callable[[str], Hashable]) -> dict[str, int]:
    """Pairs of records in one group (one cluster; one constant group for the whole list) by
    what their people are to each other, as ``people.relation`` says: the same person (in one
    script or across scripts), twins (one father, one birth date), other siblings (one father)
    and cousins (one grandfather, another father); and a man and his child ("parent"), which
    ``relation`` leaves out but a father and son swapping first and father names look like."""
    keys = [
        (
            group(record_id),
            label.person_id,
            label.father_person_id,
            label.grandfather_person_id,
            label.birth_date,
            label.script,
        )
        for record_id, label in labels.items()
    ]

    def share(*columns: int) -> int:
        return pairs_sharing(tuple(key[c] for c in columns) for key in keys)

    same = share(_GROUP, _PERSON)
    same_script = share(_GROUP, _PERSON, _SCRIPT)
    # A person has one father, so pairs of one father include the pairs of one person.
    one_father = share(_GROUP, _FATHER) - same
    twin = share(_GROUP, _FATHER, _BIRTH) - share(_GROUP, _FATHER, _BIRTH, _PERSON)
    fathers = Counter((key[_GROUP], key[_FATHER]) for key in keys)
    persons = Counter((key[_GROUP], key[_PERSON]) for key in keys)
    # Each record of a man with each record of a child of his in the group.
    parent = sum(n * fathers[person] for person, n in persons.items() if person in fathers)
    return {
        "pairs": share(_GROUP),
        "same": same,
        "same_within_script": same_script,
        "same_cross_script": same - same_script,
        "twin": twin,
        "sibling": one_father - twin,
        "cousin": share(_GROUP, _GRANDFATHER) - share(_GROUP, _GRANDFATHER, _FATHER),
        "parent": parent,
    }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Quality:
    clusters: int
    predicted_pairs: int
    true_positive_pairs: int
    false_positive_pairs: int
    false_negative_pairs: int
    precision: float | None
    recall: float | None
    f1: float | None
    merged: dict[str, int]  # wrongly merged pairs by relation
    merged_share: dict[str, float | None]  # of all such pairs of the list
    recall_within_script: float | None
    recall_cross_script: float | None


def quality(labels: Mapping[str, Label], clusters: Mapping[str, str]) -> Quality:
    truth = pair_counts(labels, lambda _record_id: "")
    found = pair_counts(labels, clusters.__getitem__)
    hits = found["same"]
    precision = _ratio(hits, found["pairs"])
    recall = _ratio(hits, truth["same"])
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return Quality(
        clusters=len(set(clusters.values())),
        predicted_pairs=found["pairs"],
        true_positive_pairs=hits,
        false_positive_pairs=found["pairs"] - hits,
        false_negative_pairs=truth["same"] - hits,
        precision=precision,
        recall=recall,
        f1=f1,
        merged={r: found[r] for r in RELATIONS},
        merged_share={r: _ratio(found[r], truth[r]) for r in RELATIONS},
        recall_within_script=_ratio(found["same_within_script"], truth["same_within_script"]),
        recall_cross_script=_ratio(found["same_cross_script"], truth["same_cross_script"]),
    )


# --- methods ---------------------------------------------------------------------------------


def _grouped(rows: Sequence[Row], key: Callable[[Row], Hashable | None]) -> Clusters:
    """Clusters of records sharing a key (a record whose key is None is alone): equality of a
    key is transitive, so its connected components are its groups."""
    return {row["record_id"]: repr(key(row) or row["record_id"]) for row in rows}


def _field(row: Mapping[str, str | None], column: str) -> str:
    # A labelled file may leave a column out, or a row short (csv reads the gap as None).
    return (row.get(column) or "").strip()


def _chain(row: Row) -> tuple[str, str, str, str]:
    return (
        _field(row, "first_name"),
        _field(row, "father_name"),
        _field(row, "grandfather_name"),
        _field(row, "family_name"),
    )


def exact_key(row: Row) -> tuple[str, ...] | None:
    chain = _chain(row)
    name = chain if any(chain) else (_field(row, "full_name"),)
    dob = _field(row, "date_of_birth")
    return (*name, dob) if any(name) and dob else None


def chain_key(row: Row) -> tuple[str, ...] | None:
    chain = _chain(row)
    key = names.name_key(*chain) if any(chain) else ""
    key = key or names.query_key(_field(row, "full_name"))
    dob = _field(row, "date_of_birth")
    return (key, dob, _field(row, "sex").casefold()) if key and dob else None


def exact_clusters(rows: Sequence[Row]) -> Clusters:
    return _grouped(rows, exact_key)


def chain_clusters(rows: Sequence[Row]) -> Clusters:
    return _grouped(rows, chain_key)


@dataclass
class NahrainRun:
    clusters: Clusters
    run: Any  # link.dedupe's (records, clusters, model), read by write_errors


def nahrain_run(rows: Sequence[Row]) -> NahrainRun:
    from nahrain.registry.dedup import link

    records, found, trained = link.dedupe(rows)
    clusters = {record.record_id: str(found[record.index]) for record in records}
    return NahrainRun(clusters, (records, found, trained))


# What the Splink method is, said once for the report: the steps of Splink 5.0.0's README
# quickstart (a deterministic rule at recall 0.7 for the prior, u by random sampling, m by EM on
# two blocking rules, predict at weight -10, cluster at 0.95) with the comparison library's
# person comparisons on this list's columns, untuned.
SPLINK_CONFIGURATION = {
    "preparation": "values lower-cased and trimmed, empty -> NULL; phone and document number "
    "reduced to their digits (the docs ask for standardised, lower-cased, punctuation-free "
    "columns); records giving only full_name keep NULL chain fields",
    "link_type": "dedupe_only",
    "comparisons": [
        "NameComparison(first_name) with term_frequency_adjustments",
        "NameComparison(father_name)",
        "NameComparison(grandfather_name)",
        "NameComparison(family_name) with term_frequency_adjustments",
        "DateOfBirthComparison(date_of_birth, input_is_string=True)",
        "ExactMatch(sex)",
        "ExactMatch(phone)",
        "ExactMatch(document_number)",
        "ExactMatch(admin1_origin)",
    ],
    "blocking_rules_to_generate_predictions": [
        "block_on(first_name, father_name)",
        "block_on(first_name, date_of_birth)",
        "block_on(father_name, date_of_birth)",
        "block_on(phone)",
        "block_on(document_number)",
    ],
    "training": [
        "estimate_probability_two_random_records_match("
        "[block_on(first_name, father_name, grandfather_name, date_of_birth)], recall=0.7)",
        "estimate_u_using_random_sampling(max_pairs=1e7, seed=1)",
        "estimate_parameters_using_expectation_maximisation(block_on(first_name, father_name))",
        "estimate_parameters_using_expectation_maximisation(block_on(date_of_birth))",
    ],
    "prediction": "predict(threshold_match_weight=-10), "
    f"cluster_pairwise_predictions_at_threshold(predictions, {SPLINK_THRESHOLD})",
}
SPLINK_COLUMNS = (
    "first_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "sex",
    "date_of_birth",
    "phone",
    "document_number",
    "admin1_origin",
)
_NOT_DIGIT = re.compile(r"\D")


def _splink_value(column: str, value: str) -> str | None:
    clean = value.casefold()
    if column in ("phone", "document_number"):
        clean = _NOT_DIGIT.sub("", clean)
    return clean or None


def splink_clusters(rows: Sequence[Row], *, seed: int = 1) -> Clusters:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    table: dict[str, list[str | None]] = {"unique_id": [row["record_id"] for row in rows]}
    for column in SPLINK_COLUMNS:
        table[column] = [_splink_value(column, _field(row, column)) for row in rows]
    db_api = DuckDBAPI()
    records = db_api.register(table, dataset_display_name="records")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("father_name"),
            cl.NameComparison("grandfather_name"),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("document_number"),
            cl.ExactMatch("admin1_origin"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "father_name"),
            block_on("first_name", "date_of_birth"),
            block_on("father_name", "date_of_birth"),
            block_on("phone"),
            block_on("document_number"),
        ],
    )
    linker = Linker(records, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "father_name", "grandfather_name", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "father_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_weight=-10)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, SPLINK_THRESHOLD
    )
    # Splink leaves the DuckDB frame's reader unannotated; it returns a pyarrow Table.
    clustered = clusters.as_pyarrow_table()  # type: ignore[no-untyped-call]
    ids = clustered.column("unique_id").to_pylist()
    found = clustered.column("cluster_id").to_pylist()
    return {str(i): str(c) for i, c in zip(ids, found, strict=True)}


# --- measuring -------------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """The peak resident memory of the process while a block runs, sampled every 20 ms (the
    methods run in one process, so ru_maxrss would hold the peak of an earlier one)."""

    def __init__(self) -> None:
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _rss_bytes())
            self._done.wait(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = _rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def machine() -> dict[str, Any]:
    """The machine as ``bench/run.py`` describes it, with the versions of Splink and DuckDB."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:  # run as a script: the checkout is not on the path
        sys.path.insert(0, root)
    from bench.run import machine as described

    return {
        **described(),
        "splink": metadata.version("splink"),
        "duckdb": metadata.version("duckdb"),
    }


# --- errors of the matcher -------------------------------------------------------------------

ERROR_SAMPLE = 20


Pair = tuple[str, str]


def _error_pairs(
    labels: Mapping[str, Label], clusters: Mapping[str, str]
) -> tuple[list[Pair], list[Pair]]:
    """Every false-positive pair (one cluster, two people) and false-negative pair (one person,
    two clusters), enumerated within clusters and within people, which are small."""
    by_cluster: dict[str, list[str]] = defaultdict(list)
    by_person: dict[str, list[str]] = defaultdict(list)
    for record_id, label in labels.items():
        by_cluster[clusters[record_id]].append(record_id)
        by_person[label.person_id].append(record_id)

    def pairs(groups: Iterable[list[str]], wrong: Callable[[str, str], bool]) -> list[Pair]:
        return [
            (a, b)
            for members in groups
            for x, a in enumerate(members)
            for b in members[x + 1 :]
            if wrong(a, b)
        ]

    positives = pairs(by_cluster.values(), lambda a, b: labels[a].person_id != labels[b].person_id)
    negatives = pairs(by_person.values(), lambda a, b: clusters[a] != clusters[b])
    return positives, negatives


def _lineal(a: Label, b: Label) -> str | None:
    """ "parent" or "grandparent" when one record's person is the other's father or paternal
    grandfather (pairs ``people.relation`` leaves out)."""
    for x, y in ((a, b), (b, a)):
        if x.person_id == y.father_person_id:
            return "parent"
        if x.person_id == y.grandfather_person_id:
            return "grandparent"
    return None


def write_errors(
    path: Path, labelled: LabelledSet, clusters: Mapping[str, str], run: Any, seed: int
) -> None:
    from nahrain.registry.dedup import model

    records, _found, trained = run
    by_id = {record.record_id: record for record in records}
    rows = {row["record_id"]: row for row in labelled.records}
    positives, negatives = _error_pairs(labelled.labels, clusters)
    rng = random.Random(seed)
    lines: list[str] = []
    for title, pairs in (("False positives", positives), ("False negatives", negatives)):
        sample = rng.sample(pairs, min(ERROR_SAMPLE, len(pairs)))
        lines.append(f"# {title}: {len(sample)} of {len(pairs):,} pairs\n")
        for a, b in sample:
            pattern = model.compare(by_id[a], by_id[b])
            said = (
                "refused (cannot be one person)"
                if pattern is None
                else "levels "
                + ", ".join(
                    f"{field}={model.LEVELS[k][level]}"
                    for k, (field, level) in enumerate(zip(model.COMPARISONS, pattern, strict=True))
                )
                + f"; probability without household support "
                f"{model.probability(trained.weight(pattern, by_id[a], by_id[b])):.4f}"
            )
            relation = people.relation(labelled.labels, a, b) or _lineal(
                labelled.labels[a], labelled.labels[b]
            )
            lines.append(
                f"## {a} / {b}: relation {relation}; "
                f"noise {labelled.labels[a].noise or '-'} / {labelled.labels[b].noise or '-'}; "
                f"clusters {clusters[a]} / {clusters[b]}\n{said}"
            )
            for column in people.COLUMNS[1:]:
                lines.append(
                    f"  {column:<20} {_field(rows[a], column)!r:<40} {_field(rows[b], column)!r}"
                )
            lines.append(
                f"  {'true birth date':<20} {labelled.labels[a].birth_date!r:<40} "
                f"{labelled.labels[b].birth_date!r}\n"
            )
    path.write_text("\n".join(lines), encoding="utf-8")


# --- report ----------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def table(results: Mapping[str, Any]) -> str:
    truth = results["list"]
    lines = [
        f"De-duplication quality: {truth['records']:,} records of {truth['people']:,} people "
        f"({truth['source']}); {truth['true_pairs']:,} true pairs "
        f"({truth['true_pairs_within_script']:,} within one script, "
        f"{truth['true_pairs_cross_script']:,} across scripts); "
        + ", ".join(f"{truth['pairs'][r]:,} {r} pairs" for r in RELATIONS),
        "",
        "| method | clusters | precision | recall | F1 | false pos. pairs | false neg. pairs "
        "| twins merged | siblings merged | cousins merged | parent-child merged "
        "| recall within script "
        "| recall across scripts | seconds | peak RSS MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for name, result in results["methods"].items():
        q = result["quality"]
        merged = [f"{q['merged'][r]:,} ({_percent(q['merged_share'][r])})" for r in RELATIONS]
        lines.append(
            f"| {name} | {q['clusters']:,} | {_percent(q['precision'])} | "
            f"{_percent(q['recall'])} | {_percent(q['f1'])} | {q['false_positive_pairs']:,} | "
            f"{q['false_negative_pairs']:,} | {' | '.join(merged)} | "
            f"{_percent(q['recall_within_script'])} | {_percent(q['recall_cross_script'])} | "
            f"{result['seconds']:.1f} | {result['peak_rss_mib']:,.0f} |"
        )
    m = results["machine"]
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"Splink {m['splink']}, DuckDB {m['duckdb']}. Peak RSS is the whole process's while "
        "the method ran (the list and earlier methods' leftovers included).",
    ]
    return "\n".join(lines)


def _load(args: argparse.Namespace) -> tuple[LabelledSet, str]:
    if args.records or args.labels:
        if not (args.records and args.labels):
            sys.exit("--records and --labels go together")
        return people.read_csv(args.records, args.labels), f"{args.records}, {args.labels}"
    return (
        people.generate(args.people, seed=args.seed),
        f"people.generate({args.people}, seed={args.seed})",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    labelled, source = _load(args)
    rows = labelled.records
    truth = pair_counts(labelled.labels, lambda _record_id: "")
    results: dict[str, Any] = {
        "list": {
            "source": source,
            "records": len(rows),
            "people": len({label.person_id for label in labelled.labels.values()}),
            "true_pairs": truth["same"],
            "true_pairs_within_script": truth["same_within_script"],
            "true_pairs_cross_script": truth["same_cross_script"],
            "pairs": {r: truth[r] for r in RELATIONS},
        },
        "machine": machine(),
        "splink_configuration": SPLINK_CONFIGURATION,
        "methods": {},
    }
    for name in args.methods:
        print(f"{name}: running on {len(rows):,} records", file=sys.stderr, flush=True)
        matcher: NahrainRun | None = None
        start = time.perf_counter()
        with PeakRss() as memory:
            if name == "nahrain":
                matcher = nahrain_run(rows)
                clusters = matcher.clusters
            elif name == "exact":
                clusters = exact_clusters(rows)
            elif name == "chain":
                clusters = chain_clusters(rows)
            else:
                clusters = splink_clusters(rows, seed=args.seed)
        seconds = time.perf_counter() - start
        results["methods"][name] = {
            "quality": asdict(quality(labelled.labels, clusters)),
            "seconds": seconds,
            "peak_rss_mib": memory.peak / 2**20,
        }
        print(f"{name}: {seconds:.1f} s", file=sys.stderr, flush=True)
        if matcher is not None and args.errors:
            write_errors(Path(args.errors), labelled, clusters, matcher.run, args.seed)
    return results


def _methods(text: str) -> list[str]:
    chosen = [m.strip() for m in text.split(",") if m.strip()]
    unknown = set(chosen) - set(METHODS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown methods: {', '.join(sorted(unknown))}")
    return chosen


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", type=_methods, default=list(METHODS))
    parser.add_argument("--records", help="a labelled list's records (CSV)")
    parser.add_argument("--labels", help="its labels (CSV)")
    parser.add_argument("--output", default="bench/results/dedup_quality.json")
    parser.add_argument("--errors", help="where to write sample errors of the matcher")
    args = parser.parse_args(argv)
    results = run(args)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(table(results))
    return results


if __name__ == "__main__":
    main()
