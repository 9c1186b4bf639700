"""Subgraphs exactly as HETERO cuts a model whose every layer has an affinity.

This reproduces OpenVINO 2026.4's ``SubgraphCollector`` (``src/plugins/hetero/src/subgraph_collector.cpp``)
step by step, because the point is to predict what the plugin will do, not what would be sensible:

1. **Boundaries.** Parameters and Constants start their own component; an edge between layers of different
   affinity is a boundary, except into a Result, which instead takes its producer's affinity.
2. **Components.** Union-find over the non-boundary edges, in ``get_ordered_ops()`` order; a component keeps
   the id of its first input's component, so ids are neither contiguous nor the execution order.
3. **Cycles.** Same-device components can depend on each other in a cycle (A -> B -> A) although the model is
   a DAG; HETERO promotes edges to boundaries until none is left, first with a per-layer heuristic iterated to
   a fixed point, then with an SCC fallback that isolates one layer at a time.
4. **Cuts.** Every boundary output (never a Constant's: Constants are cloned into each consumer's submodel)
   gets one Result in the producer's subgraph and one Parameter per consuming subgraph.
5. **Order.** Components that hold a Parameter, Result or sink become submodels, sorted level by level by
   their dependencies, within a level in the iteration order of the ``std::unordered_map`` that holds them.

The count of submodels is what a fresh ``ov.Core`` reports as ``HETERO_NUMBER_OF_SUBMODELS`` for the model
compiled with these affinities. (The plugin subtracts a per-Core counter of unused Parameters that its
automatic mode increments and never resets, so later compiles on the same Core may report less.)
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from hetero_tool._format import format_bytes
from hetero_tool._gc import paused_gc
from hetero_tool.errors import InputError
from hetero_tool.ir.types import IRModel
from hetero_tool.partition.libstdcxx import unordered_order

__all__ = ["Subgraph", "CutTensor", "Partition", "collect_subgraphs"]

_GRAPH_INPUTS = ("Parameter", "Const")


@dataclass(frozen=True)
class Subgraph:
    """One submodel HETERO compiles and runs."""

    #: Position in HETERO's execution order: the ``i`` of ``subgraph<i>:`` in perf counters, of the submodel
    #: name ``<model>_<i>`` and of ``<compiled_submodel>`` in ``export_model()``.
    index: int
    #: The component id HETERO's ``hetero_subgraphs_*.dot`` dump shows as ``subgraph=``.
    collector_id: int
    #: Device the submodel is compiled for.
    device: str
    #: Layer ids in the submodel (its Parameters, operations and Results), in ``get_ordered_ops()`` order.
    layers: tuple[int, ...]
    #: Const layers the submodel uses: HETERO clones a Constant into every submodel that consumes it.
    constants: tuple[int, ...] = ()


@dataclass(frozen=True)
class CutTensor:
    """A tensor that crosses a subgraph boundary: HETERO copies it through host memory."""

    #: Producing layer id and its output port id.
    producer: int
    port: int
    #: Index of the producing subgraph.
    from_subgraph: int
    #: Indexes of the consuming subgraphs, in the order HETERO adds their Parameters (ascending collector id).
    to_subgraphs: tuple[int, ...]
    #: Consuming layer ids outside the producing subgraph.
    consumers: tuple[int, ...]
    #: Size of the tensor, ``None`` when its shape is dynamic.
    bytes: int | None


@dataclass(frozen=True)
class Partition:
    """The result of :func:`collect_subgraphs`."""

    #: Submodels in HETERO's execution order.
    subgraphs: tuple[Subgraph, ...]
    #: Device each layer runs on: its affinity, except that a Result runs where its producer does.
    device_of: Mapping[int, str]
    #: Component id of every layer (``subgraph=`` in HETERO's dump; Constants included).
    collector_ids: Mapping[int, int]
    #: Tensors copied between submodels, in the order HETERO cuts them.
    cuts: tuple[CutTensor, ...]
    #: How much cycle breaking it took: per-layer heuristic rounds and SCC fallback steps.
    cycle_rounds: int = 0
    scc_steps: int = 0
    #: Index of the submodel each non-Constant layer belongs to.
    subgraph_of: Mapping[int, int] = field(default_factory=dict)
    #: Results that cycle breaking cut off their (non-Constant) producer. HETERO 2026.4 cannot compile such a
    #: split (``unordered_map::at``): the Result is fed by a new Parameter that has no affinity.
    detached_results: tuple[int, ...] = ()

    def __repr__(self) -> str:
        devices = Counter(sg.device for sg in self.subgraphs)
        per_device = ", ".join(f"{device} {n:,}" for device, n in devices.items())
        size = format_bytes(self.cut_bytes, "dynamic")
        return f"<Partition: {self.count:,} subgraphs ({per_device}), {len(self.cuts):,} cut tensors, {size}>"

    @property
    def count(self) -> int:
        """Submodels, as a fresh Core reports ``HETERO_NUMBER_OF_SUBMODELS``."""
        return len(self.subgraphs)

    @cached_property
    def cut_bytes(self) -> int | None:
        """Bytes copied between submodels per inference; ``None`` when a cut tensor's size is dynamic."""
        return _total(cut.bytes for cut in self.cuts)

    @cached_property
    def subgraph_bytes(self) -> Mapping[int, tuple[int | None, int | None]]:
        """Subgraph index -> bytes copied into it and out of it per inference (``None``: dynamic).

        A tensor cut to several subgraphs counts once out of its producer's and once into each consumer's.
        """
        inbound: dict[int, list[int | None]] = {sg.index: [] for sg in self.subgraphs}
        outbound: dict[int, list[int | None]] = {sg.index: [] for sg in self.subgraphs}
        for cut in self.cuts:
            outbound[cut.from_subgraph].append(cut.bytes)
            for index in set(cut.to_subgraphs):
                inbound[index].append(cut.bytes)
        return {index: (_total(inbound[index]), _total(outbound[index])) for index in inbound}

    @cached_property
    def boundaries(self) -> Mapping[tuple[int, int], tuple[CutTensor, ...]]:
        """``(from subgraph, to subgraph)`` -> the tensors cut between them, pairs in ascending order."""
        pairs: dict[tuple[int, int], list[CutTensor]] = {}
        for cut in self.cuts:
            for target in cut.to_subgraphs:
                pairs.setdefault((cut.from_subgraph, target), []).append(cut)
        return {pair: tuple(pairs[pair]) for pair in sorted(pairs)}

    @cached_property
    def boundary_bytes(self) -> Mapping[tuple[int, int], int | None]:
        """``(from subgraph, to subgraph)`` -> bytes copied across per inference (``None``: dynamic)."""
        return {pair: _total(cut.bytes for cut in cuts) for pair, cuts in self.boundaries.items()}


def collect_subgraphs(ir: IRModel, affinity: Mapping[int, str]) -> Partition:
    """Cut ``ir`` into submodels the way HETERO does for these per-layer affinities.

    Parameters
    ----------
    ir
        The model.
    affinity
        Device of every layer id (Parameters, Constants and Results included), as a plan sets them through
        ``rt_info["affinity"]``.

    Returns
    -------
    Partition
        Submodels in execution order, each with its device, layers and cloned constants; the tensors cut
        between them; the component id HETERO's dump would show for each layer.

    Raises
    ------
    InputError
        A layer has no affinity (HETERO refuses such a model).

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> everything_on_cpu = collect_subgraphs(ir, dict.fromkeys(ir.layers, "CPU"))
    >>> everything_on_cpu.count
    1
    >>> first_conv = next(lid for lid, layer in ir.layers.items() if layer.type == "Convolution")
    >>> split = collect_subgraphs(ir, {lid: "NPU" if lid == first_conv else "CPU" for lid in ir.layers})
    >>> [(sg.index, sg.device) for sg in split.subgraphs]
    [(0, 'CPU'), (1, 'NPU'), (2, 'CPU')]
    """
    missing = [lid for lid in ir.layers if lid not in affinity]
    if missing:
        layer = ir.layers[missing[0]]
        raise InputError(
            f"{layer.label} has no affinity ({len(missing)} layers have none); HETERO needs one "
            "for every layer, Parameters, Constants and Results included"
        )
    with paused_gc():  # per-position lists and tuples in bulk, no cycles among them
        return _Collector(ir, affinity).run()


def _levels(needs: Mapping[int, set[int]]) -> dict[int, int]:
    """The round of HETERO's level sort in which each component is taken: 0 when it needs nothing, else one
    more than the latest of those it needs (the rounds take every component whose needs are all placed).

    Examples
    --------
    >>> _levels({1: set(), 2: {1}, 3: {1, 2}, 4: set()})
    {1: 0, 4: 0, 2: 1, 3: 2}
    """
    waiting = {c: len(found) for c, found in needs.items()}
    needed_by: dict[int, list[int]] = {}
    for c, found in needs.items():
        for n in found:
            needed_by.setdefault(n, []).append(c)
    level = {c: 0 for c, count in waiting.items() if not count}
    ready = list(level)
    while ready:
        n = ready.pop()
        for c in needed_by.get(n, ()):
            level[c] = max(level.get(c, 0), level[n] + 1)
            waiting[c] -= 1
            if not waiting[c]:
                ready.append(c)
    if len(level) < len(needs) or any(waiting.values()):
        raise RuntimeError("HETERO cannot sort these subgraphs")
    return level


def _total(sizes: Iterable[int | None]) -> int | None:
    """The sum of ``sizes``, ``None`` when any of them is unknown."""
    sizes = list(sizes)
    return None if None in sizes else sum(sizes)  # type: ignore[arg-type]


class _Collector:
    """SubgraphCollector on integer positions in ``get_ordered_ops()`` order."""

    def __init__(self, ir: IRModel, affinity: Mapping[int, str]) -> None:
        self.ir = ir
        walk = ir.ordered  # computed once per model: the fallback cuts regions with this collector too
        self.ids = walk.ids
        self.pos = walk.position
        #: For each position, its inputs as (producer position, producer output port id).
        self.inputs = walk.inputs
        self.type = walk.ir_types
        self.graph_input = [t in _GRAPH_INPUTS for t in self.type]
        #: Consumers of each (position, output port), in position order: (consumer position, input index).
        self.consumers = walk.consumers
        #: Consumers of each position that are not Results (HETERO's SCC ranking counts these).
        self.non_result_consumers = [0] * len(self.ids)
        #: Edges out of each position, to any consumer.
        self.fanout = [0] * len(self.ids)
        for i, ins in enumerate(self.inputs):
            counted = self.type[i] != "Result"
            for src, _ in ins:
                self.fanout[src] += 1
                if counted:
                    self.non_result_consumers[src] += 1
        self.affinity = [affinity[lid] for lid in self.ids]
        #: Boundary inputs (position, input index); (position, 0) of a Parameter or Constant marks it a root.
        self.boundary: set[tuple[int, int]] = set()
        self.rounds = 0
        self.scc_steps = 0

    # -- 1. boundaries -------------------------------------------------------------------------------------

    def init(self) -> None:
        affinity = self.affinity
        for i, ins in enumerate(self.inputs):
            if self.graph_input[i]:
                self.boundary.add((i, 0))
                continue
            mine = affinity[i]  # read once: a Result re-homed below still compares later inputs with this
            for p, (src, _) in enumerate(ins):
                if mine != affinity[src]:
                    if self.type[i] == "Result":
                        affinity[i] = affinity[src]
                    else:
                        self.boundary.add((i, p))

    # -- 2. components -------------------------------------------------------------------------------------

    def component_ids(self) -> list[int]:
        # Union-find with path halving, inlined (it runs per heuristic round). Positions come in topological
        # order, so a layer is still a root of its own when it is reached: it joins the root of its first
        # linked input's component, whose id the merged component keeps.
        n = len(self.ids)
        parent = list(range(n))
        comp = [-1] * n
        counter = 0
        boundary = self.boundary
        for i, ins in enumerate(self.inputs):
            linked = [src for p, (src, _) in enumerate(ins) if (i, p) not in boundary] if ins else ins
            if not linked:
                comp[i] = counter
                counter += 1
                continue
            root = linked[0]
            while parent[root] != root:
                parent[root] = parent[parent[root]]
                root = parent[root]
            parent[i] = root
            for other in linked[1:]:
                while parent[other] != other:
                    parent[other] = parent[parent[other]]
                    other = parent[other]
                if other != root:
                    parent[other] = root  # the component of the first linked input keeps its id
        found = [0] * n
        for i in range(n):
            root = i
            while parent[root] != root:
                parent[root] = parent[parent[root]]
                root = parent[root]
            found[i] = comp[root]
        return found

    # -- 3. cycles -----------------------------------------------------------------------------------------

    def split_cycles(self) -> list[int]:
        n = len(self.ids)
        sg = self.component_ids()
        if n and self._acyclic(sg):
            # Nothing to break: the heuristic's one round adds no boundary (a boundary can only be added where
            # a path leaves a component and comes back to it) and no component lies on a cycle for the SCC
            # fallback. This is the same result as the rounds below, without their work.
            self.rounds = 1
            return sg
        size = -1
        while size != len(self.boundary):
            if self.rounds >= n:
                raise RuntimeError("HETERO's heuristic cannot resolve the cycles between subgraphs")
            size = len(self.boundary)
            if self.rounds:  # the first round's components are the ones computed above
                sg = self.component_ids()
            added = self._heuristic_round(sg)
            self.rounds += 1
            if added is None:  # no component lies on a cycle: the SCC fallback would isolate nothing either
                return sg
            self.boundary.update(added)
        self.scc_steps = _SccFallback(self, sg).run()
        return self.component_ids() if self.scc_steps else sg

    def _acyclic(self, sg: list[int]) -> bool:
        """Whether the components ``sg`` depend on each other without a cycle (a boundary inside one
        component counts as a cycle)."""
        graph_input, inputs = self.graph_input, self.inputs
        succ: dict[int, set[int]] = {}
        for i, p in self.boundary:
            if graph_input[i]:
                continue
            a, b = sg[inputs[i][p][0]], sg[i]
            if a == b:
                return False
            succ.setdefault(a, set()).add(b)
        if not succ:
            return True
        indegree: dict[int, int] = {}
        for targets in succ.values():
            for b in targets:
                indegree[b] = indegree.get(b, 0) + 1
        ready = [a for a in succ if a not in indegree]
        left = len(set(succ) | set(indegree))
        while ready:
            a = ready.pop()
            left -= 1
            for b in succ.get(a, ()):
                indegree[b] -= 1
                if not indegree[b]:
                    ready.append(b)
        return not left

    def _heuristic_round(self, sg: list[int]) -> list[tuple[int, int]] | None:
        """One round of the per-layer heuristic: the boundaries to add (all computed from this round's
        state), component by component (see :class:`_Heuristic`); ``None`` when no component lies on a cycle
        (nor has a boundary inside)."""
        graph_input, inputs = self.graph_input, self.inputs
        succ: dict[int, set[int]] = {}
        looped: set[int] = set()
        first_out: dict[int, int] = {}  # component -> the first layer fed by a boundary it produces
        for i, p in self.boundary:
            if graph_input[i]:
                continue
            a, b = sg[inputs[i][p][0]], sg[i]
            if i < first_out.get(a, len(inputs)):
                first_out[a] = i
            if a == b:
                looped.add(a)
            else:
                succ.setdefault(a, set()).add(b)
        group = _cyclic_groups(succ)
        for c in looped:  # a boundary inside a component: a cycle of its own
            group.setdefault(c, -1 - c)
        if not group:
            return None
        members: dict[int, list[int]] = {}
        for i, c in enumerate(sg):
            if c in group:
                members.setdefault(c, []).append(i)
        heuristic = _Heuristic(self, sg, group)
        added: list[tuple[int, int]] = []
        for component, positions in members.items():
            added += heuristic.added(component, positions, first_out[component])
        return sorted(added)

    # -- 4./5. cuts, submodels, order ----------------------------------------------------------------------

    def run(self) -> Partition:
        self.init()
        sg = self.split_cycles()
        ir, ids, inputs = self.ir, self.ids, self.inputs
        # Cut outputs in the order HETERO meets their boundary inputs; one Result per producer output port,
        # one Parameter per consuming component (ascending id, as its std::map orders them).
        cut_order: list[tuple[int, int, list[int], list[int]]] = []
        seen: set[tuple[int, int]] = set()
        graph_input = self.graph_input
        for i, p in sorted(key for key in self.boundary if not graph_input[key[0]]):  # as HETERO walks inputs
            src, port = inputs[i][p]
            if self.type[src] == "Const" or (src, port) in seen:
                continue
            seen.add((src, port))
            foreign = [(c, cp) for c, cp in self.consumers[(src, port)] if sg[c] != sg[src]]
            if foreign:
                cut_order.append((src, port, sorted({sg[c] for c, _ in foreign}), [c for c, _ in foreign]))
        # Components that become submodels: those holding a Parameter, Result or sink, inserted into HETERO's
        # std::unordered_map in this sequence (original Parameters, cut Parameters, original Results, cut
        # Results, sinks), which decides their order within a level.
        # The model's own Parameters, Results and sinks, in model (XML) order.
        by_kind: dict[str, list[int]] = {"Parameter": [], "Result": [], "Assign": []}
        for lid, layer in ir.layers.items():
            if layer.ir_type in by_kind:
                by_kind[layer.ir_type].append(self.pos[lid])
        params, results, sinks = by_kind["Parameter"], by_kind["Result"], by_kind["Assign"]
        insertion = (
            [sg[i] for i in params]
            + [t for *_, targets, _ in cut_order for t in targets]
            + [sg[i] for i in results]
            + [sg[src] for src, *_ in cut_order]
            + [sg[i] for i in sinks]
        )
        device: dict[int, str] = {}
        for i in params:
            device[sg[i]] = self.affinity[i]
        for i in results:
            device[sg[i]] = self.affinity[inputs[i][0][0]]
        for src, *_ in cut_order:
            device[sg[src]] = self.affinity[src]
        for i in sinks:
            device[sg[i]] = self.affinity[inputs[i][0][0]]
        # Level sort: a component is ready once every cut it consumes has been produced; each level in the
        # map's order.
        needs: dict[int, set[int]] = {c: set() for c in insertion}
        for src, _, targets, _ in cut_order:
            for t in targets:
                needs[t].add(sg[src])
        level = _levels(needs)
        ordered = sorted(unordered_order(insertion), key=level.__getitem__)  # stable: the map's order stays
        index_of = {c: k for k, c in enumerate(ordered)}
        members: dict[int, list[int]] = {c: [] for c in ordered}
        constants: dict[int, list[int]] = {c: [] for c in ordered}
        for i, lid in enumerate(ids):
            if self.type[i] == "Const":
                for c in dict.fromkeys(
                    sg[t] for t, _ in self.consumers.get((i, ir.layers[lid].outputs[0].id), ())
                ):
                    if c in constants:
                        constants[c].append(lid)
            elif sg[i] in members:
                members[sg[i]].append(lid)
        subgraphs = tuple(
            Subgraph(
                index=k,
                collector_id=c,
                device=device[c],
                layers=tuple(members[c]),
                constants=tuple(constants[c]),
            )
            for k, c in enumerate(ordered)
        )
        cuts = tuple(
            CutTensor(
                producer=ids[src],
                port=port,
                from_subgraph=index_of[sg[src]],
                to_subgraphs=tuple(index_of[t] for t in targets),
                consumers=tuple(ids[c] for c in consumers),
                bytes=ir.layers[ids[src]].output_port(port).nbytes,
            )
            for src, port, targets, consumers in cut_order
        )
        return Partition(
            subgraphs=subgraphs,
            device_of=dict(zip(ids, self.affinity)),
            collector_ids=dict(zip(ids, sg)),
            cuts=cuts,
            cycle_rounds=self.rounds,
            scc_steps=self.scc_steps,
            subgraph_of={
                lid: index_of[sg[i]]
                for i, lid in enumerate(ids)
                if sg[i] in index_of and self.type[i] != "Const"
            },
            detached_results=tuple(
                ids[i]
                for i in results
                if self.type[inputs[i][0][0]] != "Const" and sg[inputs[i][0][0]] != sg[i]
            ),
        )


#: Bits per pass of :class:`_Heuristic`: at most this many per layer walked, whatever the model.
_CHUNK = 1024


class _Heuristic:
    """A round of HETERO's per-layer cycle heuristic, a component at a time, in memory linear in the model.

    HETERO gives every boundary a bit and every layer the bitset ``deps`` of the boundaries upstream of it
    (its own boundary inputs, and a graph input's own bit, included): layers x boundaries, quadratic. For a
    layer ``i`` of component ``P`` it uses two projections only: ``sg_dep`` (the boundaries upstream that
    ``P`` owns: their consumer is in ``P``) and ``cyc_dep`` (those it produces: their producer is in ``P``).
    A boundary has one owner and one producer, so for an input from another component the tests meet
    disjoint sets and fail: only inputs from ``P`` become boundaries. The same answers, from less:

    - Whatever is upstream of a layer of ``P`` and carries anything of ``P``'s lies on a path from ``P`` back
      to ``P``, in ``P``'s strongly connected part of the component graph: the walk visits only such layers,
      from ``P``'s first on, and a component on no cycle (nor with a boundary inside) has nothing to test.
    - ``cyc_dep`` is only tested for being empty (``cd & cyc_dep[src]``: what ``P`` produces upstream of an
      input from ``P`` is upstream of ``i`` too), and so is ``sg_dep[src] & plain_mask``: booleans.
    - ``cid`` (the ``sg_dep`` of the producers of the boundaries leaving ``P`` upstream of ``i``, and of the
      consumers of those re-entering it) is tested against ``sg_dep[src]``. Both are closed upwards: with a
      boundary they hold every boundary of ``P`` upstream of its consumer. So they meet iff they meet in a
      minimal one (no other boundary of ``P`` upstream of its consumer), and only minimal ones get bits.
      Boundaries into one layer are interchangeable: a bit stands for the layer, their class. A graph input
      of ``P`` with one consumer is upstream of the same layers as the consumer, but itself: it is in the
      consumer's class, and as ``src`` its own bit is in ``cid`` iff ``i`` re-enters ``P``.

    Bits go ``_CHUNK`` per pass over the walk: a test holds iff it holds in one of the passes. The oracle in
    ``tests/subgraphs_oracle.py`` keeps HETERO's bitsets as they are.
    """

    def __init__(self, collector: _Collector, sg: list[int], group: dict[int, int]) -> None:
        self.c, self.sg, self.group = collector, sg, group

    def added(self, component: int, positions: list[int], first_out: int) -> list[tuple[int, int]]:
        """The boundaries to add into ``component``, whose layers are at ``positions`` (ascending), the
        first layer fed by a boundary it produces at ``first_out``."""
        c, sg, group = self.c, self.sg, self.group
        inputs, graph_input, boundary, fanout = c.inputs, c.graph_input, c.boundary, c.fanout
        mine, lo = group[component], positions[0]
        # Only layers from first_out on can have a boundary P produces upstream: only they are tested. The
        # walk: what is upstream of them, in topological order. A graph input enters it only as one of P's
        # with several consumers (one of P's with one consumer is its consumer's class; anyone else's
        # carries nothing of P's).
        targets = [i for i in positions if i >= first_out and not graph_input[i]]
        seen = set(targets)
        stack = list(targets)
        while stack:
            for src, _ in inputs[stack.pop()]:
                if (
                    src >= lo
                    and src not in seen
                    and group.get(sg[src]) == mine
                    and (not graph_input[src] or (sg[src] == component and fanout[src] > 1))
                ):
                    seen.add(src)
                    stack.append(src)
        order = sorted(seen)
        # Booleans, one pass: a boundary P produces is upstream (HETERO's cyc_dep is not empty); one into P
        # from an ordinary layer is (sg_dep & plain_mask); one of P's is (a class below it is not minimal).
        # And per layer what the bit passes need: its inputs walked, those it leaves P from, a re-entry.
        produced: dict[int, bool] = {}
        plain: dict[int, bool] = {}
        owned: dict[int, bool] = {}
        steps: dict[int, tuple[tuple[int, ...], tuple[int, ...], bool]] = {}
        minimal: list[int] = []
        for j in order:
            walked: list[int] = []
            left: list[int] = []
            ours = sg[j] == component
            is_class = graph_input[j]  # its own bit
            pr = pl = up = back = False
            for p, (src, _) in enumerate(inputs[j]):
                if src in produced:
                    walked.append(src)
                    pr = pr or produced[src]
                    pl = pl or plain[src]
                    up = up or owned[src]
                if (j, p) in boundary:
                    if sg[src] == component:  # leaves P (or a boundary inside P)
                        pr = True
                        left.append(src)
                    elif ours:  # re-enters P
                        back = True
                    if ours:
                        is_class = True
                        pl = pl or not graph_input[src]
                elif ours and graph_input[src] and fanout[src] == 1:
                    is_class = True
            produced[j], plain[j], owned[j] = pr, pl, up or is_class
            if is_class and not up:
                minimal.append(j)
            steps[j] = (tuple(walked), tuple(left), back)
        # HETERO's tests in its order, the intersection of sets last.
        added: list[tuple[int, int]] = []
        pending: list[tuple[int, int, int]] = []
        for i in targets:
            if not produced[i]:
                continue
            for p, (src, port) in enumerate(inputs[i]):
                if sg[src] != component:
                    continue
                if src not in produced:  # a graph input of P, i its one consumer
                    if steps[i][2]:
                        added.append((i, p))
                elif produced[src]:
                    continue
                elif len(c.consumers.get((src, port), ())) != 1 or graph_input[src] or plain[src]:
                    pending.append((i, p, src))  # not a leaf
        for start in range(0, len(minimal), _CHUNK):
            if not pending:
                break
            bit = {j: 1 << k for k, j in enumerate(minimal[start : start + _CHUNK])}
            dep: dict[int, int] = {}  # sg_dep, minimal bits of this pass
            cid: dict[int, int] = {}
            for j in order:
                d = bit.get(j, 0)
                r = 0
                walked, left, back = steps[j]
                for src in walked:
                    d |= dep[src]
                    r |= cid[src]
                for src in left:
                    r |= dep[src]
                dep[j], cid[j] = d, r | d if back else r
            still = []
            for i, p, src in pending:
                if cid[i] & dep[src]:
                    added.append((i, p))
                else:
                    still.append((i, p, src))
            pending = still
        return added


def _cyclic_groups(succ: dict[int, set[int]]) -> dict[int, int]:
    """Component -> its strongly connected part, for the components on a cycle of ``succ``."""
    group: dict[int, int] = {}
    for part in _strong_components(succ, succ):
        if len(part) > 1:
            for x in part:
                group[x] = part[-1]
    return group


def _strong_components(
    succ: Mapping[int, Iterable[int]], starts: Iterable[int], keep: Container[int] | None = None
) -> Iterator[list[int]]:
    """The strongly connected components of ``succ`` (iterative Tarjan), searched from ``starts`` in order,
    through nodes in ``keep`` only (all when ``None``). Each comes out as Tarjan pops it, its root last, in
    Tarjan's order: the callers number components by it."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    for start in starts:
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        calls = [(start, iter(succ.get(start, ())))]
        while calls:
            v, it = calls[-1]
            w = next(it, None)
            if w is not None:
                if keep is not None and w not in keep:
                    continue
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    calls.append((w, iter(succ.get(w, ()))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            calls.pop()
            if calls:
                low[calls[-1][0]] = min(low[calls[-1][0]], low[v])
            if low[v] == index[v]:
                part = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    part.append(x)
                    if x == v:
                        break
                yield part


class _SccFallback:
    """HETERO's SCC fallback (PR #36126), computed incrementally.

    HETERO repeats: find the components that lie on a cycle of the component graph; among their layers that
    have an input from their own component, take the best by its ranking; make all those inputs boundaries;
    recompute every component id. Each round is linear in the model, and big models need thousands of rounds.
    The decisions depend only on which layers share a component, not on the ids, so this keeps the same
    decisions with local work per round:

    - components are split, never merged: after an edge becomes a boundary, a search from both of its ends
      (alternating, so it costs the smaller side) tells whether the component fell apart, and only the
      smaller part is relabelled;
    - a split only refines the strongly connected component that held the split component, and leaves it whole
      when the piece still reaches the rest and is reached from it (then every old cycle survives); only
      otherwise is that one component recomputed;
    - a layer's rank can only improve when a split touches it (it gains a re-entry input), so ranks sit in a
      heap, refreshed eagerly around splits and lazily (on pop) otherwise.

    ``tests/test_subgraphs_incremental.py`` checks the result against the round-by-round reading on random
    models, and the partition fuzz checks both against the real plugin.
    """

    def __init__(self, collector: _Collector, components: list[int]) -> None:
        c = self.c = collector
        n = len(c.ids)
        self.label = list(components)
        self.members_of: dict[int, set[int]] = {}
        for i, label in enumerate(self.label):
            self.members_of.setdefault(label, set()).add(i)
        self.next_label = max(self.label, default=0) + 1
        self.edges = [[] for _ in range(n)]  # every edge at both ends: (other end, input key)
        self.feeds = [[] for _ in range(n)]  # input keys each layer feeds
        for i, ins in enumerate(c.inputs):
            for p, (src, _) in enumerate(ins):
                self.edges[i].append((src, (i, p)))
                self.edges[src].append((i, (i, p)))
                self.feeds[src].append((i, p))
        self.leaf_source = [
            not c.graph_input[x]
            and c.non_result_consumers[x] == 1
            and all(c.graph_input[s] for s, _ in c.inputs[x])
            for x in range(n)
        ]
        # Component graph with edge multiplicities, from boundary inputs of non-graph-input layers.
        self.succ: dict[int, dict[int, int]] = {}
        self.pred: dict[int, dict[int, int]] = {}
        for key in c.boundary:
            self._count(key, 1)
        self.scc_of: dict[int, int] = {}
        self.scc_members: dict[int, set[int]] = {}
        self.next_scc = 0
        self._assign_sccs(set(self.members_of))
        self.version = [0] * n
        self.heap: list = []
        for i in range(n):
            self._push(i)

    def run(self) -> int:
        """Break every cycle; return the number of rounds (layers isolated)."""
        limit = sum(len(ins) for ins in self.c.inputs)
        rounds = 0
        while (target := self._pop()) is not None:
            if rounds > limit:
                raise RuntimeError("HETERO's SCC fallback did not converge")
            self._isolate(target)
            rounds += 1
        return rounds

    # -- ranking -------------------------------------------------------------------------------------------

    def _member(self, label: int) -> bool:
        scc = self.scc_of.get(label)
        return scc is not None and len(self.scc_members[scc]) > 1

    def _rank(self, i: int):
        """HETERO's ranking of layer ``i``, or ``None`` when it is not a candidate."""
        label, c = self.label, self.c
        if not self._member(label[i]):
            return None
        same, reentry, shared, leaf = 0, False, False, False
        for p, (src, _) in enumerate(c.inputs[i]):
            if (i, p) in c.boundary:
                reentry |= label[src] != label[i] and self._member(label[src])
                continue
            same += 1  # an input that is not a boundary is in the same component
            shared |= c.non_result_consumers[src] > 1
            leaf |= self.leaf_source[src]
        if not same:
            return None
        # prefer re-entry points and shared sources; avoid leaves of graph inputs and linear layers
        return (not reentry, not shared, leaf, same == 1 and c.non_result_consumers[i] <= 1, same, i)

    def _push(self, i: int) -> None:
        rank = self._rank(i)
        if rank is not None:
            heapq.heappush(self.heap, (rank, self.version[i], i))

    def _pop(self) -> int | None:
        while self.heap:
            rank, version, i = heapq.heappop(self.heap)
            if version != self.version[i]:
                continue
            current = self._rank(i)
            if current == rank:
                return i
            if current is not None:  # it got worse since it was pushed (improvements are pushed eagerly)
                heapq.heappush(self.heap, (current, version, i))
        return None

    # -- isolating a layer ---------------------------------------------------------------------------------

    def _isolate(self, target: int) -> None:
        c = self.c
        self.version[target] += 1  # with every input a boundary it is never a candidate again
        for p, (src, _) in enumerate(c.inputs[target]):
            key = (target, p)
            if key in c.boundary:
                continue
            c.boundary.add(key)  # both ends share a label: no component-graph edge yet
            piece = self._separated(src, target)
            if piece is not None:
                self._split(piece)

    def _separated(self, a: int, b: int) -> set[int] | None:
        """After an edge between ``a`` and ``b`` became a boundary: the smaller side if they are no longer
        connected, else ``None``. Both sides are searched in turn, so the work is bounded by the smaller."""
        boundary, edges = self.c.boundary, self.edges
        seen = ({a}, {b})
        pending = ([iter(edges[a])], [iter(edges[b])])
        while True:
            for side in (0, 1):
                stack, mine, other = pending[side], seen[side], seen[1 - side]
                found = None
                while stack and found is None:
                    for node, key in stack[-1]:
                        if key not in boundary and node not in mine:
                            found = node
                            break
                    else:
                        stack.pop()
                if found is None:
                    return mine
                if found in other:
                    return None
                mine.add(found)
                stack.append(iter(edges[found]))

    def _split(self, piece: set[int]) -> None:
        """Give ``piece`` (split off its component) a label of its own and update everything that depends on
        it."""
        c, label = self.c, self.label
        old = label[next(iter(piece))]
        new = self.next_label
        self.next_label += 1
        keys = {(x, p) for x in piece for p in range(len(c.inputs[x])) if (x, p) in c.boundary}
        keys.update(key for x in piece for key in self.feeds[x] if key in c.boundary)
        for key in keys:
            self._count(key, -1)
        for x in piece:
            label[x] = new
        self.members_of[old] -= piece
        self.members_of[new] = piece
        for key in keys:
            self._count(key, 1)
        scc = self.scc_of[old]
        region = self.scc_members[scc]
        if self._reaches(new, old, region, self.succ) and self._reaches(new, old, region, self.pred):
            # The piece still reaches its old component and is reached from it: every cycle through the old
            # component survives through one part or the other, so the strongly connected region is unchanged.
            region.add(new)
            self.scc_of[new] = scc
        else:
            # The old component's strongly connected part is what it reaches and is reached from; only the
            # rest of the region (usually the piece and little else) needs a full search.
            region.add(new)
            kept = self._reach_set(old, region, self.succ) & self._reach_set(old, region, self.pred)
            rest = region - kept
            region.intersection_update(kept)
            for member in rest:
                self.scc_of.pop(member, None)
            self._assign_sccs(rest)
        for i in piece | {owner for owner, _ in keys}:  # ranks that may improve: refresh them now
            self.version[i] += 1
            self._push(i)

    # -- component graph -----------------------------------------------------------------------------------

    def _count(self, key: tuple[int, int], delta: int) -> None:
        owner, p = key
        if self.c.graph_input[owner]:
            return
        a, b = self.label[self.c.inputs[owner][p][0]], self.label[owner]
        if a == b:
            return
        for table, x, y in ((self.succ, a, b), (self.pred, b, a)):
            targets = table.setdefault(x, {})
            targets[y] = targets.get(y, 0) + delta
            if not targets[y]:
                del targets[y]

    @staticmethod
    def _reach_set(start: int, region: set[int], adjacency: dict[int, dict[int, int]]) -> set[int]:
        """Labels of ``region`` reachable from ``start`` (``start`` included)."""
        seen = {start}
        stack = [start]
        while stack:
            for nxt in adjacency.get(stack.pop(), ()):
                if nxt in region and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    @staticmethod
    def _reaches(start: int, goal: int, region: set[int], adjacency: dict[int, dict[int, int]]) -> bool:
        """Whether ``goal`` is reachable from ``start`` through labels of ``region`` (or ``start`` itself)."""
        seen = {start}
        stack = [start]
        while stack:
            for nxt in adjacency.get(stack.pop(), ()):
                if nxt == goal:
                    return True
                if nxt in region and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    def _assign_sccs(self, labels: set[int]) -> None:
        """Number the strongly connected components of the component graph restricted to ``labels``."""
        for part in _strong_components(self.succ, sorted(labels), labels):
            scc = self.next_scc
            self.next_scc += 1
            self.scc_members[scc] = set(part)
            for x in part:
                self.scc_of[x] = scc
