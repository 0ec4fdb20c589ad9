"""The de-duplication quality benchmark: its pair counts on a case worked out by hand and against
the enumeration of every pair, and a quick run of every method on a generated list. Its
figures are not judged here; the lead's report holds the measured ones."""

from __future__ import annotations

import json
import random
from itertools import combinations
from pathlib import Path

import pytest

from bench import dedup_quality
from nahrain.testing import people
from nahrain.testing.people import Label


def _label(person: str, father: str, grandfather: str, birth: str, script: str) -> Label:
    return Label(person, father, grandfather, birth, script, "")


# P1 three times (Arabic, Latin, Latin), P2 his twin, P3 their brother, P4 their paternal cousin
# and F1 their father.
HAND_LABELS = {
    "r1": _label("P1", "F1", "G1", "1990-01-01", "ar"),
    "r2": _label("P1", "F1", "G1", "1990-01-01", "la"),
    "r3": _label("P1", "F1", "G1", "1990-01-01", "la"),
    "r4": _label("P2", "F1", "G1", "1990-01-01", "ar"),
    "r5": _label("P3", "F1", "G1", "1995-05-05", "ar"),
    "r6": _label("P4", "F2", "G1", "1992-02-02", "la"),
    "r7": _label("F1", "G1", "G0", "1960-03-03", "ar"),
}
HAND_CLUSTERS = {"r1": "A", "r2": "A", "r4": "A", "r7": "A", "r3": "B", "r5": "C", "r6": "C"}


def test_pair_counts_of_a_list_worked_out_by_hand() -> None:
    # 21 pairs: P1's 3 (2 across scripts), twins 3x1, siblings P3 with 4 records, cousins P4
    # with 5, and F1 with his 5 children's records.
    truth = dedup_quality.pair_counts(HAND_LABELS, lambda _record_id: "")
    assert truth == {
        "pairs": 21,
        "same": 3,
        "same_within_script": 1,
        "same_cross_script": 2,
        "twin": 3,
        "sibling": 4,
        "cousin": 5,
        "parent": 5,
    }


def test_quality_of_clusters_worked_out_by_hand() -> None:
    # A holds (r1, r2) right, twins (r1, r4) (r2, r4) and F1 with r1, r2, r4; C holds cousins.
    q = dedup_quality.quality(HAND_LABELS, HAND_CLUSTERS)
    assert (q.clusters, q.predicted_pairs, q.true_positive_pairs) == (3, 7, 1)
    assert (q.false_positive_pairs, q.false_negative_pairs) == (6, 2)
    assert q.precision == pytest.approx(1 / 7)
    assert q.recall == pytest.approx(1 / 3)
    assert q.f1 == pytest.approx(0.2)
    assert q.merged == {"twin": 2, "sibling": 0, "cousin": 1, "parent": 3}
    assert q.merged_share == {
        "twin": pytest.approx(2 / 3),
        "sibling": 0,
        "cousin": pytest.approx(1 / 5),
        "parent": pytest.approx(3 / 5),
    }
    assert q.recall_within_script == 0
    assert q.recall_cross_script == pytest.approx(1 / 2)


def _enumerated(labels: dict[str, Label], clusters: dict[str, str]) -> dict[str, int]:
    counts = dict.fromkeys(("pairs", "same", "same_within_script", "same_cross_script"), 0)
    counts |= dict.fromkeys(dedup_quality.RELATIONS, 0)
    for a, b in combinations(labels, 2):
        if clusters[a] != clusters[b]:
            continue
        la, lb = labels[a], labels[b]
        counts["pairs"] += 1
        relation = people.relation(labels, a, b)
        if relation == "same":
            counts["same"] += 1
            counts["same_within_script" if la.script == lb.script else "same_cross_script"] += 1
        elif relation is not None:
            counts[relation] += 1
        elif la.person_id == lb.father_person_id or lb.person_id == la.father_person_id:
            counts["parent"] += 1
    return counts


def test_pair_counts_agree_with_every_pair_enumerated() -> None:
    labels = people.generate(300, seed=1).labels
    whole = dict.fromkeys(labels, "")
    rng = random.Random(1)
    # Clusters that merge people with their fathers' and grandfathers' other descendants, and
    # strangers.
    clusters = {
        record_id: rng.choice(
            (label.person_id, label.father_person_id, label.grandfather_person_id, "any")
        )
        for record_id, label in labels.items()
    }
    truth = _enumerated(labels, whole)
    assert all(truth[r] for r in dedup_quality.RELATIONS)
    assert dedup_quality.pair_counts(labels, whole.__getitem__) == truth
    assert dedup_quality.pair_counts(labels, clusters.__getitem__) == _enumerated(labels, clusters)


def test_every_method_runs_on_a_small_list(tmp_path: Path) -> None:
    output, errors = tmp_path / "quality.json", tmp_path / "errors.txt"
    dedup_quality.main(["--people", "2000", "--output", str(output), "--errors", str(errors)])
    results = json.loads(output.read_text(encoding="utf-8"))
    assert list(results["methods"]) == list(dedup_quality.METHODS)
    true_pairs = results["list"]["true_pairs"]
    for result in results["methods"].values():
        q = result["quality"]
        assert q["true_positive_pairs"] + q["false_negative_pairs"] == true_pairs
        assert q["true_positive_pairs"] + q["false_positive_pairs"] == q["predicted_pairs"]
        assert 0 < q["clusters"] <= results["list"]["records"]
        assert result["seconds"] > 0 and result["peak_rss_mib"] > 0
    text = errors.read_text(encoding="utf-8")
    assert "# False positives" in text and "# False negatives" in text
