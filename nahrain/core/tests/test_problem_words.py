"""Every rule an importer or form check raises is said in words on the problems list, so that no
reader meets a code such as ``unknown_district`` in place of a sentence."""

from __future__ import annotations

import re
from pathlib import Path

from nahrain.core.problems import rule_words

SOURCE = Path(__file__).resolve().parents[2]
# Problem(file, row, column, "rule", ...) and helpers that take the rule as a keyword.
RAISED = re.compile(
    r'(?:Problem|_rejected)\(\s*(?:[^,()]+(?:\([^)]*\))?,){3}\s*"([a-z_]+)"|rule="([a-z_]+)"',
    re.S,
)


def rules_raised() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for match in RAISED.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return found


def test_every_rule_raised_in_the_code_has_words() -> None:
    raised = rules_raised()
    assert len(raised) > 30  # the scan finds the importers' rules
    assert sorted(rule for rule in raised if not rule_words(rule)) == []
