"""Fair seating (考场编排), pure Python: a seeded shuffle, then a repair that keeps candidates of
one group (a training body) from sitting next to each other — front, back, left or right.

Seats are numbered as everywhere in the app: 1..rows*cols row by row (seat n is row
(n-1)//cols, column (n-1)%cols), so seat n's neighbours are n±1 in its row and n±cols.
Rooms are apart: no seat of one room neighbours a seat of another.

The plan depends on the seed alone (the same seed, rooms and candidates give the same plan on
any machine): every choice comes from one `random.Random(seed)` and the search is bounded by
steps, never by the clock.

How: the candidates, in the seed's shuffled order, are dealt into the rooms in proportion to
their seats and seated from seat 1 on, empty seats at the back. When separation is asked, a
min-conflicts local search then swaps the contents of two seats (a candidate, or an empty
seat; across rooms too) — each step takes a seat in conflict and the swap that removes most
conflicts, with a short tabu list and some random moves to leave local minima — until no pair
is left, or the lower bound is reached (a group with more candidates than the rooms hold apart,
sum of ceil(rows*cols/2), must leave pairs: see `capacity`). Small venues that the search left
with pairs are then decided exactly by a depth-first search, so that an arrangement is found
whenever one exists.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

SEED_MAX = 2**53 - 1  # a seed survives JSON and JavaScript numbers unchanged
FREE = -1  # an empty seat, or a candidate of no group: never in conflict
EXACT_SEATS = 40  # venues up to this many seats are decided exactly when the search fails
EXACT_NODES = 400_000
SCAN_ALL = 160  # venues up to this many seats try every swap partner; larger ones a sample
SAMPLE = 48
STALL = 1500  # steps without a new best before the search stops …
STALL_HOPELESS = 500  # … or, when some pairs are unavoidable anyway, these


@dataclass(frozen=True)
class Grid:
    """A room's seat grid."""

    key: int
    rows: int
    cols: int

    @property
    def seats(self) -> int:
        return self.rows * self.cols

    @property
    def apart(self) -> int:
        """The most seats no two of which are neighbours (one colour of a chessboard)."""
        return (self.seats + 1) // 2


@dataclass(frozen=True)
class Pair:
    """Two neighbouring seats held by candidates of one group."""

    room: int
    seats: tuple[int, int]
    people: tuple[int, int]  # indexes into the candidates given
    group: str


@dataclass(frozen=True)
class Plan:
    seats: dict[int, tuple[int, int]]  # candidate index -> (room key, seat number)
    pairs: list[Pair]
    lower_bound: int  # no plan has fewer pairs than this
    steps: int


def capacity(grids: Sequence[Grid]) -> int:
    """How many candidates of one group the rooms can hold with no two of them neighbours."""
    return sum(grid.apart for grid in grids)


class _Venue:
    """Every seat of every room in one list (room by room, seat 1 first), with neighbours."""

    def __init__(self, grids: Sequence[Grid]) -> None:
        self.where: list[tuple[int, int]] = []
        self.near: list[tuple[int, ...]] = []
        self.first: list[int] = []
        self.room_of: list[tuple[int, int]] = []  # seat -> (its room's first seat, end)
        for grid in grids:
            base = len(self.where)
            self.first.append(base)
            self.room_of += [(base, base + grid.seats)] * grid.seats
            for n in range(grid.seats):
                row, col = divmod(n, grid.cols)
                near = [base + n - grid.cols] if row else []
                near += [base + n - 1] if col else []
                near += [base + n + 1] if col + 1 < grid.cols else []
                near += [base + n + grid.cols] if row + 1 < grid.rows else []
                self.where.append((grid.key, n + 1))
                self.near.append(tuple(near))


def arrange(grids: Sequence[Grid], groups: Sequence[str | None], seed: int,
            separate: bool = True, max_steps: int | None = None) -> Plan:
    """Seat the candidates (`groups[i]`: candidate i's group, None for none) in the rooms.

    Raises ValueError when they do not fit. `separate`: keep each group's candidates apart
    where the rooms allow it; otherwise the plan is the shuffle alone."""
    venue = _Venue(grids)
    total = len(venue.where)
    if len(groups) > total:
        raise ValueError(f"{len(groups)} candidates, {total} seats")
    rng = random.Random(seed)
    order = list(range(len(groups)))
    rng.shuffle(order)
    slot = _deal(grids, venue, order)
    names = sorted({g for g in groups if g is not None})
    code = {name: i for i, name in enumerate(names)}
    label = [FREE if p < 0 or groups[p] is None else code[groups[p]]  # type: ignore[index]
             for p in slot]
    bound = lower_bound(grids, groups) if separate else 0
    steps = 0
    if separate and names:
        budget = max_steps if max_steps is not None else 400 + 20 * total
        steps = _repair(venue, slot, label, bound, budget, rng)
        if bound == 0 and total <= EXACT_SEATS and _pairs_count(venue, label):
            found = _exact(venue, label)
            if found is not None:
                slot = _relabel(found, slot, label)
                label = found
    seats = {p: venue.where[s] for s, p in enumerate(slot) if p >= 0}
    pairs = _pairs(venue, slot, label, names) if separate else []
    return Plan(seats, pairs, bound, steps)


def lower_bound(grids: Sequence[Grid], groups: Sequence[str | None]) -> int:
    """Pairs no plan avoids: a group of k candidates in rooms holding `capacity` apart leaves at
    least k - capacity pairs (a set with m edges has an independent subset of n - m)."""
    room_for = capacity(grids)
    counts: dict[str, int] = {}
    for g in groups:
        if g is not None:
            counts[g] = counts.get(g, 0) + 1
    return sum(max(0, k - room_for) for k in counts.values())


def _deal(grids: Sequence[Grid], venue: _Venue, order: list[int]) -> list[int]:
    """The shuffled candidates dealt into the rooms in proportion to their seats (largest
    remainder), each room filled from seat 1: slot[seat] = candidate index or -1."""
    total = len(venue.where)
    n = len(order)
    shares = [n * g.seats // total for g in grids]
    left = n - sum(shares)
    by_remainder = sorted(range(len(grids)), key=lambda i: (-(n * grids[i].seats % total), i))
    for i in by_remainder[:left]:
        shares[i] += 1
    slot = [-1] * total
    taken = 0
    for i, share in enumerate(shares):
        for k in range(share):
            slot[venue.first[i] + k] = order[taken]
            taken += 1
    return slot


def _conflicts_at(venue: _Venue, label: list[int], s: int) -> int:
    mine = label[s]
    if mine == FREE:
        return 0
    return sum(1 for t in venue.near[s] if label[t] == mine)


def _pairs_count(venue: _Venue, label: list[int]) -> int:
    return sum(_conflicts_at(venue, label, s) for s in range(len(label))) // 2


def _delta(venue: _Venue, label: list[int], u: int, v: int) -> int:
    """The change in pairs if seats u and v swap their contents (their labels differ)."""
    a, b = label[u], label[v]
    change = 0
    if a != FREE:
        for t in venue.near[u]:
            if label[t] == a:
                change -= 1
        for t in venue.near[v]:
            if label[t] == a and t != u:
                change += 1
    if b != FREE:
        for t in venue.near[v]:
            if label[t] == b:
                change -= 1
        for t in venue.near[u]:
            if label[t] == b and t != v:
                change += 1
    return change


class _Marked:
    """The seats in conflict: add, remove and pick at random in O(1), in a fixed order."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.index: dict[int, int] = {}

    def set(self, s: int, on: bool) -> None:
        if on and s not in self.index:
            self.index[s] = len(self.items)
            self.items.append(s)
        elif not on and s in self.index:
            i = self.index.pop(s)
            last = self.items.pop()
            if last != s:
                self.items[i] = last
                self.index[last] = i


def _repair(venue: _Venue, slot: list[int], label: list[int], bound: int, budget: int,
            rng: random.Random) -> int:
    """Min-conflicts search with tabu and random moves; leaves the best plan seen in place."""
    total = len(label)
    marked = _Marked()
    for s in range(total):
        marked.set(s, _conflicts_at(venue, label, s) > 0)
    pairs = _pairs_count(venue, label)
    best, best_label, best_slot = pairs, label[:], slot[:]
    tabu: dict[int, int] = {}
    step = 0
    last_best, stall = 0, STALL if bound == 0 else STALL_HOPELESS
    while pairs > bound and step < budget and step - last_best < stall:
        step += 1
        u = marked.items[rng.randrange(len(marked.items))]
        if rng.random() < 0.05:
            v = rng.randrange(total)
            if label[v] == label[u]:
                continue
            change = _delta(venue, label, u, v)
        else:
            v, change = _best_partner(venue, label, u, tabu, step, pairs - best, rng)
            if v < 0:
                continue
        _swap(venue, slot, label, marked, u, v)
        pairs += change
        tabu[u] = tabu[v] = step + 7
        if pairs < best:
            best, best_label, best_slot, last_best = pairs, label[:], slot[:], step
    label[:], slot[:] = best_label, best_slot
    return step


def _best_partner(venue: _Venue, label: list[int], u: int, tabu: dict[int, int], step: int,
                  above_best: int, rng: random.Random) -> tuple[int, int]:
    """The seat whose swap with u removes most pairs (ties broken by the seed), among every
    seat of a small venue, else every seat of u's room and a sample of the others; a tabu
    seat only if it makes a new best."""
    mine, total = label[u], len(label)
    if total <= SCAN_ALL:
        seats: Sequence[int] = range(total)
    else:
        first, end = venue.room_of[u]
        own = range(first, end) if end - first <= SCAN_ALL else [
            rng.randrange(first, end) for _ in range(SAMPLE)]
        seats = [*own, *(rng.randrange(total) for _ in range(SAMPLE))]
    best_change, chosen, ties = 1 << 30, -1, 0
    for v in seats:
        if label[v] == mine:
            continue
        change = _delta(venue, label, u, v)
        if tabu.get(v, 0) > step and change + above_best >= 0:
            continue
        if change < best_change:
            best_change, chosen, ties = change, v, 1
        elif change == best_change:
            ties += 1
            if rng.randrange(ties) == 0:
                chosen = v
    return chosen, best_change


def _swap(venue: _Venue, slot: list[int], label: list[int], marked: _Marked, u: int,
          v: int) -> None:
    slot[u], slot[v] = slot[v], slot[u]
    label[u], label[v] = label[v], label[u]
    for s in (u, v, *venue.near[u], *venue.near[v]):
        marked.set(s, _conflicts_at(venue, label, s) > 0)


def _exact(venue: _Venue, label: list[int]) -> list[int] | None:
    """A labelling with no pair, by depth-first search over the seats in order (each seat's
    earlier neighbours are above and to the left), or None if there is none (or the search
    ran past its budget)."""
    counts: dict[int, int] = {}
    for value in label:
        counts[value] = counts.get(value, 0) + 1
    values = sorted(counts, key=lambda x: (x == FREE, -counts[x], x))
    result = [FREE] * len(label)
    cap = _caps(venue)
    nodes = 0

    def place(s: int) -> bool:
        nonlocal nodes
        if s == len(label):
            return True
        nodes += 1
        if nodes > EXACT_NODES:
            return False
        for value in values:
            if value != FREE and counts[value] > cap[s]:
                return False
        for value in values:
            if counts[value] == 0:
                continue
            if value != FREE and any(t < s and result[t] == value for t in venue.near[s]):
                continue
            counts[value] -= 1
            result[s] = value
            if place(s + 1):
                return True
            counts[value] += 1
        result[s] = FREE
        return False

    return result if place(0) else None


def _caps(venue: _Venue) -> list[int]:
    """cap[s]: most seats from s on (in seat order) no two of which are neighbours. Each
    room's rest (the end of a row and the rows after it) has a path through it, so at most
    half of it, rounded up, plus the later rooms whole."""
    ends = [*venue.first[1:], len(venue.where)]
    cap = [0] * (len(venue.where) + 1)
    later = 0
    for first, end in reversed(list(zip(venue.first, ends, strict=True))):
        for s in range(first, end):
            cap[s] = (end - s + 1) // 2 + later
        later += (end - first + 1) // 2
    return cap


def _relabel(found: list[int], slot: list[int], label: list[int]) -> list[int]:
    """Candidates onto the exact labelling: each group's in the order they sat before."""
    queues: dict[int, list[int]] = {}
    for s, value in enumerate(label):
        queues.setdefault(value, []).append(slot[s])
    taken = {value: 0 for value in queues}
    new_slot = []
    for value in found:
        new_slot.append(queues[value][taken[value]])
        taken[value] += 1
    return new_slot


def _pairs(venue: _Venue, slot: list[int], label: list[int], names: list[str]) -> list[Pair]:
    found = []
    for s, value in enumerate(label):
        if value == FREE:
            continue
        for t in venue.near[s]:
            if t > s and label[t] == value:
                room, first = venue.where[s]
                found.append(Pair(room, (first, venue.where[t][1]), (slot[s], slot[t]),
                                  names[value]))
    return found
