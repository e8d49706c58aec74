"""Where each unit's figures go in another structure: the successions, precomputed.

A value stays on the unit that entered it. Asked on a structure where that unit does not
exist (2023 data on the 2025 Đồng Nai; 2026 data on the old Bình Phước; a chi hội merged in
2026), a total takes the figures of the units it came from or went into, through the
`Succession` rows, into `UnitMapping(target, source, weight, whole)` built here once (by
`load_admin_units` and by every merge or split), never walked per request.

What flows, and how:

- Forward (old data on the new structure): a value entered on unit d travels with the
  lowest ancestor-or-self of d that has successions (its "carrier": an old commune for its
  chi hội, the old province for the values of an abolished district), along the succession
  weights, and counts for a target T at the first unit of its path that lies in T's subtree.
  A commune split 60/40 between two new communes gives each an estimate; both together
  (their new province) get the whole of it, exactly.
- Backward (new data on the old structure): the same, along reversed successions whose
  weights are normalised over each new unit's sources (a new commune made of three old
  ones gives each a third): exact where a new unit came from a single old one, or where a
  target holds all of a new unit's sources; an estimate otherwise.
- Rows are as coarse as the data allow: when a source's whole subtree lands with weight 1
  in the target (all of Bình Phước in the new Đồng Nai), one row reads the source's
  roll-up; otherwise one row per carrier, and rows for the values entered on the units
  between carriers (`whole=False`).

Weights are computed with exact fractions; a row is an estimate when its weight is not 1.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from django.db import transaction

from phongtrao.freshness import figures_changed
from phongtrao.orgs.models import Succession, Unit, UnitMapping

WEIGHT_PLACES = Decimal("0.000000000001")  # UnitMapping.weight has 12 decimal places
Graph = dict[int, list[tuple[int, Fraction]]]


@dataclass(frozen=True)
class MappingRow:
    """`weight` of `source`'s figures (its subtree if `whole`, else its own values) in `target`."""

    target: int
    source: int
    weight: Fraction
    whole: bool

    @property
    def estimated(self) -> bool:
        return self.weight != 1


def mapping_compute(
    paths: Mapping[int, str], successions: Iterable[tuple[int, int, Decimal | Fraction]]
) -> list[MappingRow]:
    """The mapping rows for units (id → materialised path) and (old, new, weight) successions.

    Pure: the service below feeds it from the database; tests feed it small histories.
    """
    chains = {pk: [int(part) for part in path.strip("/").split("/")] for pk, path in paths.items()}
    forward: Graph = defaultdict(list)
    sources_of: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
    for old, new, weight in successions:
        if old not in chains or new not in chains or old == new:
            continue
        share = Fraction(weight) if isinstance(weight, Fraction) else Fraction(str(weight))
        forward[old].append((new, share))
        sources_of[new].append((old, share))
    backward: Graph = defaultdict(list)
    for new, olds in sources_of.items():
        total = sum((share for _, share in olds), Fraction(0))
        for old, share in olds:
            backward[new].append((old, share / total))
    rows: dict[tuple[int, int], MappingRow] = {}
    for graph in (forward, backward):
        for row in _rows(graph, chains):
            rows.setdefault((row.target, row.source), row)
    return list(rows.values())


def _rows(graph: Graph, chains: Mapping[int, list[int]]) -> list[MappingRow]:
    carriers = set(graph)
    # Each unit's carrier: the nearest ancestor-or-self with successions. A carrier's
    # residual: the units it carries (its own values and those of the units below it that
    # no nearer carrier takes). Carriers strictly below each carrier are counted too.
    nearest: dict[int, int | None] = {}
    below: Counter[int] = Counter()
    residual: dict[int, list[int]] = defaultdict(list)
    for pk, chain in chains.items():
        if pk in carriers:
            below.update(a for a in chain[:-1] if a in carriers)
        nearest[pk] = next((a for a in reversed(chain) if a in carriers), None)
        if nearest[pk] is not None:
            residual[nearest[pk]].append(pk)  # type: ignore[index]
    credit = _credit(graph, chains, nearest)
    rows: list[MappingRow] = []
    for target, sources in credit.items():
        full = {s for s, w in sources.items() if w == 1}
        full_below: Counter[int] = Counter()
        for source in full:
            full_below.update(a for a in chains[source][:-1] if a in full)
        covered: set[int] = set()
        for source, weight in sorted(sources.items(), key=lambda sw: len(chains[sw[0]])):
            if weight <= 0 or any(a in covered for a in chains[source][:-1]):
                continue
            if not below[source] or (weight == 1 and full_below[source] == below[source]):
                rows.append(MappingRow(target, source, weight, whole=True))
                covered.add(source)
                continue
            rows += [
                MappingRow(target, member, weight, whole=False)
                for member in residual[source]
                if target not in chains[member]
            ]
    return rows


def _credit(
    graph: Graph, chains: Mapping[int, list[int]], nearest: Mapping[int, int | None]
) -> dict[int, dict[int, Fraction]]:
    """target → carrier → share of the carrier's figures that enters the target's subtree.

    A path of successions counts for a target at its first unit inside the target's subtree;
    a target that already holds the carrier gets nothing (the value is already its own).
    From a unit without successions of its own, the path goes on with its carrier's (a chi
    hội carried into a merged union that is later split goes with the union's shares).
    """
    credit: dict[int, dict[int, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for carrier, successors in graph.items():
        holders = set(chains[carrier])
        stack: list[tuple[int, Fraction, frozenset[int], tuple[int, ...]]] = [
            (unit, share, frozenset(), (carrier,)) for unit, share in successors
        ]
        while stack:
            unit, share, credited, seen = stack.pop()
            onward = nearest.get(unit)
            if unit in seen or (onward is not None and onward in seen):
                continue  # a cycle in the history: stop rather than loop
            chain = chains[unit]
            for target in chain:
                if target not in credited and target not in holders:
                    credit[target][carrier] += share
            if onward is None:
                continue
            reached = credited | set(chain)
            stack += [
                (after, share * weight, reached, (*seen, unit, onward))
                for after, weight in graph[onward]
            ]
    return credit


def _stored(weight: Fraction) -> Decimal:
    with localcontext() as context:
        context.prec = 40
        return (Decimal(weight.numerator) / Decimal(weight.denominator)).quantize(WEIGHT_PLACES)


@dataclass(frozen=True)
class MappingSummary:
    rows: int
    estimated: int
    seconds: float


@transaction.atomic
def mapping_rebuild() -> MappingSummary:
    """Bring every `UnitMapping` row in line with the units and their successions.

    Run by `load_admin_units` and by the merge and split services. The rows are computed
    afresh (a second or two for the whole country) and compared with the stored ones: only
    the rows that changed are written, so a merge of two chi hội writes a handful.
    """
    figures_changed()  # totals across structures read the mapping
    started = time.perf_counter()
    paths = dict(Unit.objects.values_list("id", "path"))
    successions = Succession.objects.values_list("predecessor_id", "successor_id", "weight")
    rows = mapping_compute(paths, successions)
    wanted = {(r.target, r.source): (_stored(r.weight), r.whole, r.estimated) for r in rows}
    stored = {
        (target, source): (pk, (weight, whole, estimated))
        for pk, target, source, weight, whole, estimated in UnitMapping.objects.values_list(
            "id", "target_id", "source_id", "weight", "whole", "estimated"
        )
    }
    gone = [pk for key, (pk, _) in stored.items() if key not in wanted]
    for start in range(0, len(gone), 2000):
        UnitMapping.objects.filter(pk__in=gone[start : start + 2000]).delete()
    changed = [
        UnitMapping(pk=stored[key][0], weight=value[0], whole=value[1], estimated=value[2])
        for key, value in wanted.items()
        if key in stored and stored[key][1] != value
    ]
    UnitMapping.objects.bulk_update(changed, ["weight", "whole", "estimated"], batch_size=2000)
    UnitMapping.objects.bulk_create(
        [
            UnitMapping(
                target_id=target, source_id=source, weight=weight, whole=whole, estimated=estimated
            )
            for (target, source), (weight, whole, estimated) in wanted.items()
            if (target, source) not in stored
        ],
        batch_size=2000,
    )
    return MappingSummary(
        rows=len(rows),
        estimated=sum(row.estimated for row in rows),
        seconds=time.perf_counter() - started,
    )
