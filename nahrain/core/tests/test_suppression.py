"""Small-cell suppression: small counts are hidden, and no hidden count can be worked out from
what a table publishes, checked by an attacker who solves the table's equations exactly."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from nahrain.core.suppression import Suppressed, derived_total, suppress


def recoverable(published: Suppressed) -> set[tuple[int, int]]:
    """The hidden entries of the extended table (cells, then the totals row and column) that the
    row and column equations determine: a hidden entry is determined when its unit vector lies
    in the span of the equations restricted to the hidden entries (Gaussian elimination over
    the rationals, independent of the suppression's own graph reasoning)."""
    rows, columns = len(published.cells), len(published.column_totals)
    shown = [
        [*line, total] for line, total in zip(published.cells, published.row_totals, strict=True)
    ]
    shown.append([*published.column_totals, published.total])
    unknowns = [(r, c) for r in range(rows + 1) for c in range(columns + 1) if shown[r][c] is None]
    index = {entry: n for n, entry in enumerate(unknowns)}
    equations: list[list[Fraction]] = []
    for r in range(rows + 1):  # the cells of a row minus its total are zero
        equation = [Fraction(0)] * len(unknowns)
        for c in range(columns + 1):
            if (r, c) in index:
                equation[index[(r, c)]] = Fraction(-1 if c == columns else 1)
        equations.append(equation)
    for c in range(columns + 1):
        equation = [Fraction(0)] * len(unknowns)
        for r in range(rows + 1):
            if (r, c) in index:
                equation[index[(r, c)]] = Fraction(-1 if r == rows else 1)
        equations.append(equation)
    basis = _row_echelon(equations)
    found = set()
    for entry, n in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[n] = Fraction(1)
        if len(_row_echelon([*basis, unit])) == len(basis):
            found.add(entry)
    return found


def _row_echelon(vectors: list[list[Fraction]]) -> list[list[Fraction]]:
    basis: list[list[Fraction]] = []
    pivots: list[int] = []
    for vector in vectors:
        vector = list(vector)
        for row, pivot in zip(basis, pivots, strict=True):
            if vector[pivot]:
                factor = vector[pivot] / row[pivot]
                vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
        lead = next((n for n, value in enumerate(vector) if value), None)
        if lead is not None:
            basis.append(vector)
            pivots.append(lead)
    return basis


def test_a_lone_small_cell_takes_a_second_cell_and_totals_with_it() -> None:
    published = suppress([[20, 3, 30], [25, 40, 35], [10, 12, 50]])
    assert published.cells[0][1] is None
    assert published.primary == 1 and published.secondary >= 3
    assert not recoverable(published)
    # The complements are the smallest counts that close the cycle: 10 in the first column,
    # 12 beside it and 20 in the first row.
    assert published.cells[2][0] is None and published.cells[2][1] is None
    assert published.cells[0][0] is None
    assert published.secondary == 3
    assert published.row_totals == [53, 100, 72] and published.total == 225


def test_zero_is_published_and_a_table_without_small_cells_is_untouched() -> None:
    published = suppress([[0, 7], [9, 0]])
    assert published.cells == [[0, 7], [9, 0]]
    assert (published.primary, published.secondary) == (0, 0)


def test_a_small_row_total_is_hidden_with_its_cells() -> None:
    """A place of three people: its total is small, and so are its cells."""
    published = suppress([[2, 1, 0], [40, 30, 20]])
    assert published.row_totals[0] is None
    assert published.cells[0][:2] == [None, None] and published.cells[0][2] == 0
    assert not recoverable(published)


def test_a_single_cell_table_hides_everything() -> None:
    published = suppress([[3]])
    assert published == Suppressed([[None]], [None], [None], None, primary=4, secondary=0)


def test_the_threshold_is_a_parameter() -> None:
    """GBV figures suppress below 10."""
    assert suppress([[7, 30], [40, 50]]).cells[0][0] == 7
    published = suppress([[7, 30], [40, 50]], threshold=10)
    assert published.cells[0][0] is None and not recoverable(published)


def test_two_hidden_cells_in_a_row_are_not_enough_when_their_columns_are_apart() -> None:
    """Each line holds two hidden entries, yet the 2 in the corner is still a bridge between
    two cycles; the search finds it and closes a cycle through it."""
    table = [[2, 30, 40, 3], [30, 2, 3, 40], [40, 50, 60, 70], [3, 40, 30, 2]]
    published = suppress(table)
    assert not recoverable(published)


def test_a_coarser_table_hides_a_figure_any_of_whose_parts_is_hidden() -> None:
    assert derived_total([4, 6, 10]) == 20
    assert derived_total([4, None, 10]) is None


counts = st.integers(0, 12) | st.integers(0, 300)
tables = st.integers(1, 6).flatmap(
    lambda columns: st.lists(
        st.lists(counts, min_size=columns, max_size=columns), min_size=1, max_size=7
    )
)


@settings(max_examples=300, deadline=None)
@given(table=tables, threshold=st.sampled_from([5, 10]))
def test_no_hidden_entry_can_be_solved_from_what_is_published(
    table: list[list[int]], threshold: int
) -> None:
    published = suppress(table, threshold=threshold)
    assert not recoverable(published)
    shown = [v for line in published.cells for v in line] + published.row_totals
    shown += [*published.column_totals, published.total]
    assert all(v is None or v == 0 or v >= threshold for v in shown)
    for r, line in enumerate(table):  # what is published is the truth
        for c, value in enumerate(line):
            assert published.cells[r][c] in (None, value)


@settings(max_examples=150, deadline=None)
@given(table=tables)
def test_a_coarser_table_drawn_from_the_published_one_reveals_nothing_more(
    table: list[list[int]],
) -> None:
    """The rows grouped in pairs (sites into districts) and the whole (the country): every
    figure of the coarser tables is a sum of published entries, or hidden."""
    published = suppress(table)
    groups = [list(range(start, min(start + 2, len(table)))) for start in range(0, len(table), 2)]
    for group in groups:
        for c in range(len(table[0])):
            coarse = derived_total(published.cells[r][c] for r in group)
            assert coarse is None or coarse == sum(table[r][c] for r in group)
            if coarse is not None:
                assert all(published.cells[r][c] is not None for r in group)
