"""Small-cell suppression of a table of counts published with its row and column totals
(DESIGN.md section 6: fewer than 5, GBV fewer than 10, with secondary suppression so that a
hidden cell cannot be recovered from the totals).

No maintained Python library does primary and secondary suppression of small count tables (the
well-kept tools are R's sdcTable and GaussSuppression, and the Java tau-Argus), so it is here.

How it works. A table of R rows and C columns with its row totals, column totals and grand total
is an (R+1) x (C+1) array in which, once the totals are negated, every row and every column sums
to zero. A reader who sees the published entries and knows these equations can solve for the
hidden ones: the hidden entries are the edges of a bipartite graph between the R+1 row lines and
the C+1 column lines, the solutions differ by sums of cycles of that graph, and so a hidden entry
is determined exactly when it lies on no cycle, that is when it is a bridge. (A row or column
with one hidden entry is the simplest bridge; two hidden cells in a row are not enough when
nothing else links their columns.)

- Primary: every entry (cell or total) from 1 to ``threshold - 1`` is hidden. Zero is
  published: an empty cell says that nobody is there, which names nobody, and hiding zeros
  would hide most of a sparse table without protecting anyone.
- Secondary: while a hidden entry is a bridge, the cheapest path of published positive entries
  that closes a cycle through it (the smallest counts, by a shortest-path search) is hidden
  too. A positive entry is never hidden alone on a cycle with a zero, so each cycle can move
  both ways and no hidden value is pinned. This stops: hiding every positive entry leaves no
  bridge (the positive entries form a circulation, which has none).

- Sums (``sums``): a figure drawn from the table that is no entry of it (a subtotal of some
  columns, such as the open referrals of a table of referrals by status, or the sum of some
  rows) is protected as an entry is: while one from 1 to ``threshold - 1`` can be worked out
  from what is published (its cells' indicator lies in the cut space of the hidden entries:
  every cycle crosses it as often one way as the other), the smallest published positive entry
  of its lines (totals included) is hidden too, and the secondary step is run again; once its
  lines have none left, every positive entry is (then no positive sum can be worked out: the
  cycle through one of its cells, that cell's column total, the grand total and its row total
  crosses it once).

What it does not do: it protects against exact recovery, not against narrow bounds (a hidden
cell beside a hidden 1 can be bounded to a few values), and it knows only the equations of one
table. Tables drawn from the same data (a district table beside the site table) must be derived
from this one's published entries (``derived_total``): a figure any of whose parts is hidden is
hidden itself, so a coarser table says nothing the finest one did not.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Suppressed:
    """A published table: ``None`` where an entry is hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    primary: int  # entries hidden for being small
    secondary: int  # entries hidden to protect them


def suppress(
    table: Sequence[Sequence[int]],
    *,
    threshold: int = 5,
    sums: Sequence[Collection[tuple[int, int]]] = (),
) -> Suppressed:
    """The table with its totals, every count from 1 to ``threshold - 1`` hidden, and enough
    further counts hidden that none of them, nor any of ``sums`` (sets of (row, column) cells
    whose sum is published or can be, as a subtotal), can be worked out from what is
    published."""
    rows = len(table)
    columns = len(table[0]) if rows else 0
    if any(len(row) != columns for row in table):
        raise ValueError("every row of the table must have the same number of cells")
    if any(value < 0 for row in table for value in row):
        raise ValueError("counts cannot be negative")
    # The extended array: rows 0..R-1 and the totals row R; columns 0..C-1 and the totals
    # column C.
    values = [[*row, sum(row)] for row in table]
    values.append([sum(row[c] for row in table) for c in range(columns)] + [sum(map(sum, table))])
    hidden = {
        (r, c) for r in range(rows + 1) for c in range(columns + 1) if 0 < values[r][c] < threshold
    }
    primary = len(hidden)
    while True:
        bridges = _bridges(hidden, rows + 1)
        while bridges:
            # A cycle closed through one bridge may close others: their own search then costs
            # nothing and hides nothing more.
            for bridge in bridges:
                hidden |= _cheapest_cycle(bridge, hidden, values)
            bridges = _bridges(hidden, rows + 1)
        exposed = [
            n
            for n, cells in enumerate(sums)
            if 0 < sum(values[r][c] for r, c in cells) < threshold
            and _determined(cells, hidden, rows + 1)
        ]
        if not exposed:
            break
        # One entry at a time, for the first exposed sum: it may cover the others.
        hidden |= _widen(sums[exposed[0]], hidden, values)
    shown = [
        [None if (r, c) in hidden else values[r][c] for c in range(columns + 1)]
        for r in range(rows + 1)
    ]
    return Suppressed(
        cells=[line[:columns] for line in shown[:rows]],
        row_totals=[line[columns] for line in shown[:rows]],
        column_totals=shown[rows][:columns],
        total=shown[rows][columns],
        primary=primary,
        secondary=len(hidden) - primary,
    )


def derived_total(parts: Iterable[int | None]) -> int | None:
    """The sum of published entries, hidden (``None``) when any part is hidden: how a coarser
    table is drawn from a suppressed one without revealing what it hides."""
    total = 0
    for part in parts:
        if part is None:
            return None
        total += part
    return total


# --- the graph of hidden entries -------------------------------------------------------------
# Nodes: row lines 0..R (R the totals row) and column lines, numbered R+1 onwards.


def _bridges(hidden: set[tuple[int, int]], row_nodes: int) -> list[tuple[int, int]]:
    """The hidden entries on no cycle of hidden entries (Tarjan's bridge search)."""
    adjacent: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for r, c in hidden:
        a, b = r, row_nodes + c
        adjacent.setdefault(a, []).append((b, (r, c)))
        adjacent.setdefault(b, []).append((a, (r, c)))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found = []
    for root in sorted(adjacent):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        # (node, the entry it was reached by, the iterator over its neighbours)
        stack: list[tuple[int, tuple[int, int] | None, Iterator[tuple[int, tuple[int, int]]]]]
        stack = [(root, None, iter(adjacent[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for other, entry in neighbours:
                if entry == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = len(order)
                    stack.append((other, entry, iter(adjacent[other])))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    assert via is not None
                    found.append(via)
    return sorted(found)


def _determined(
    cells: Collection[tuple[int, int]], hidden: set[tuple[int, int]], row_nodes: int
) -> bool:
    """Whether the sum of ``cells`` can be worked out: a potential on the lines exists that
    rises by one along each hidden entry among them and by nothing along the other hidden
    entries (then every cycle of hidden entries leaves their sum unchanged)."""
    weight = {entry: (1 if entry in cells else 0) for entry in hidden}
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for (r, c), w in weight.items():
        adjacent.setdefault(r, []).append((row_nodes + c, w))
        adjacent.setdefault(row_nodes + c, []).append((r, -w))
    potential: dict[int, int] = {}
    for root in adjacent:
        if root in potential:
            continue
        potential[root] = 0
        stack = [root]
        while stack:
            node = stack.pop()
            for other, w in adjacent[node]:
                if other not in potential:
                    potential[other] = potential[node] + w
                    stack.append(other)
                elif potential[other] != potential[node] + w:
                    return False
    return True


def _widen(
    cells: Collection[tuple[int, int]], hidden: set[tuple[int, int]], values: list[list[int]]
) -> set[tuple[int, int]]:
    """One more entry to hide for a sum that can be worked out: the smallest published
    positive entry of its lines (their totals included), or every positive entry when none is
    left."""
    last_row, last_column = len(values) - 1, len(values[0]) - 1
    rows = {r for r, _c in cells} | {last_row}
    columns = {c for _r, c in cells} | {last_column}
    lines = {(r, c) for r in rows for c in range(last_column + 1)}
    lines |= {(r, c) for c in columns for r in range(last_row + 1)}
    candidates = sorted(
        (values[r][c], (r, c)) for r, c in lines if values[r][c] > 0 and (r, c) not in hidden
    )
    if candidates:
        return {candidates[0][1]}
    return {(r, c) for r in range(last_row + 1) for c in range(last_column + 1) if values[r][c] > 0}


def _cheapest_cycle(
    bridge: tuple[int, int], hidden: set[tuple[int, int]], values: list[list[int]]
) -> set[tuple[int, int]]:
    """The published entries to hide so that the bridge lies on a cycle: the path between its
    two lines, other than itself, over positive entries, that hides the smallest total count
    (hidden entries cost nothing)."""
    row_nodes = len(values)
    column_nodes = len(values[0])
    start, goal = bridge[0], row_nodes + bridge[1]
    distance = {start: 0}
    previous: dict[int, tuple[int, tuple[int, int]]] = {}
    queue = [(0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > distance[node]:
            continue
        if node < row_nodes:
            edges = [(row_nodes + c, (node, c)) for c in range(column_nodes)]
        else:
            edges = [(r, (r, node - row_nodes)) for r in range(row_nodes)]
        for other, entry in edges:
            value = values[entry[0]][entry[1]]
            if entry == bridge or value == 0:
                continue
            step = cost + (0 if entry in hidden else value)
            if step < distance.get(other, step + 1):
                distance[other] = step
                previous[other] = (node, entry)
                heapq.heappush(queue, (step, other))
    if goal not in previous:  # cannot happen: positive entries always close a cycle
        raise AssertionError(f"no cycle closes through {bridge}")
    path: set[tuple[int, int]] = set()
    node = goal
    while node != start:
        node, entry = previous[node]
        path.add(entry)
    return path - hidden
