"""Subgraphs exactly as HETERO cuts a model whose every layer has an affinity.

This reproduces OpenVINO 2026.4's ``SubgraphCollector`` (``src/plugins/hetero/src/subgraph_collector.cpp``)
step by step, because the point is to predict what the plugin will do, not what would be sensible:

1. **Boundaries.** Parameters and Constants start their own component; an edge between layers of different
   affinity is a boundary, except into a Result, which instead takes its producer's affinity.
2. **Components.** Union-find over the non-boundary edges, in ``get_ordered_ops()`` order; a component keeps
   the id of its first input's component, so ids are neither contiguous nor the execution order.
3. **Cycles.** Same-device components can depend on each other in a cycle (A -> B -> A) although the model is a
   DAG; HETERO promotes edges to boundaries until none is left, first with a per-layer heuristic iterated to a
   fixed point, then with an SCC fallback that isolates one layer at a time.
4. **Cuts.** Every boundary output (never a Constant's: Constants are cloned into each consumer's submodel)
   gets one Result in the producer's subgraph and one Parameter per consuming subgraph.
5. **Order.** Components that hold a Parameter, Result or sink become submodels, sorted level by level by
   their dependencies, within a level in the iteration order of the ``std::unordered_map`` that holds them.

The count of submodels is what a fresh ``ov.Core`` reports as ``HETERO_NUMBER_OF_SUBMODELS`` for the model
compiled with these affinities. (The plugin subtracts a per-Core counter of unused Parameters that its
automatic mode increments and never resets, so later compiles on the same Core may report less.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hetero_tool.errors import InputError
from hetero_tool.ir.order import inputs_by_layer, ordered_layer_ids
from hetero_tool.ir.types import IRModel
from hetero_tool.partition._libstdcxx import unordered_order

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

    @property
    def count(self) -> int:
        """Submodels, as a fresh Core reports ``HETERO_NUMBER_OF_SUBMODELS``."""
        return len(self.subgraphs)


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
    >>> import tempfile
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ir = parse_ir(save_samples(tmp, names=["mobilenet"])["mobilenet"])
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
        raise InputError(f"{layer.label} has no affinity ({len(missing)} layers have none); HETERO needs one "
                         "for every layer, Parameters, Constants and Results included")  # fmt: skip
    return _Collector(ir, affinity).run()


class _Collector:
    """SubgraphCollector on integer positions in ``get_ordered_ops()`` order."""

    def __init__(self, ir: IRModel, affinity: Mapping[int, str]) -> None:
        self.ir = ir
        self.ids = ordered_layer_ids(ir)
        self.pos = {lid: i for i, lid in enumerate(self.ids)}
        producers = inputs_by_layer(ir)
        layers = ir.layers
        #: For each position, its inputs as (producer position, producer output port id).
        self.inputs = [[(self.pos[src], port) for src, port in producers[lid]] for lid in self.ids]
        self.type = [layers[lid].ir_type for lid in self.ids]
        self.graph_input = [t in _GRAPH_INPUTS for t in self.type]
        #: Consumers of each (position, output port), in edge order: (consumer position, input index).
        self.consumers: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for i, ins in enumerate(self.inputs):
            for p, src in enumerate(ins):
                self.consumers.setdefault(src, []).append((i, p))
        #: Consumers of each position that are not Results (HETERO's SCC ranking counts these).
        self.non_result_consumers = [0] * len(self.ids)
        for (src, _), targets in self.consumers.items():
            self.non_result_consumers[src] += sum(1 for t, _ in targets if self.type[t] != "Result")
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
        n = len(self.ids)
        parent = list(range(n))
        comp = [-1] * n

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        counter = 0
        boundary = self.boundary
        for i, ins in enumerate(self.inputs):
            linked = [src for p, (src, _) in enumerate(ins) if (i, p) not in boundary]
            if not linked:
                comp[find(i)] = counter
                counter += 1
                continue
            first = linked[0]
            first_id = comp[find(first)]
            for other in (i, *linked[1:]):
                a, b = find(first), find(other)
                if a != b:
                    parent[b] = a
            comp[find(first)] = first_id  # the component of the first linked input keeps its id
        return [comp[find(i)] for i in range(n)]

    # -- 3. cycles -----------------------------------------------------------------------------------------

    def split_cycles(self) -> list[int]:
        sg: list[int] = []
        size = -1
        n = len(self.ids)
        while size != len(self.boundary):
            if self.rounds >= n:
                raise RuntimeError("HETERO's heuristic cannot resolve the cycles between subgraphs")
            size = len(self.boundary)
            sg = self.component_ids()
            self.boundary.update(self._heuristic_round(sg))
            self.rounds += 1
        total_inputs = sum(len(ins) for ins in self.inputs)
        ids_valid = True
        while True:
            if not ids_valid:
                sg = self.component_ids()
                ids_valid = True
            members = self._cyclic_components(sg)
            if not members:
                return sg
            if self.scc_steps > total_inputs:
                raise RuntimeError("HETERO's SCC fallback did not converge")
            self._isolate_one(sg, members)
            self.scc_steps += 1
            ids_valid = False

    def _heuristic_round(self, sg: list[int]) -> list[tuple[int, int]]:
        """One round of the per-layer heuristic: the boundaries to add (all computed from this round's state)."""
        graph_input, inputs = self.graph_input, self.inputs
        bits = list(self.boundary)
        bit_of = {key: 1 << b for b, key in enumerate(bits)}
        owner_sg = [sg[node] for node, _ in bits]
        is_gi = [graph_input[node] for node, _ in bits]
        producer_sg = [-1 if is_gi[b] else sg[inputs[node][p][0]] for b, (node, p) in enumerate(bits)]
        owner_mask: dict[int, int] = {}
        producer_mask: dict[int, int] = {}
        for b in range(len(bits)):
            owner_mask[owner_sg[b]] = owner_mask.get(owner_sg[b], 0) | (1 << b)
            if not is_gi[b]:
                producer_mask[producer_sg[b]] = producer_mask.get(producer_sg[b], 0) | (1 << b)
        # deps[i]: every boundary upstream of position i (its own included)
        deps = [0] * len(inputs)
        for i, ins in enumerate(inputs):
            if graph_input[i]:
                deps[i] = bit_of.get((i, 0), 0)
                continue
            d = 0
            for p, (src, _) in enumerate(ins):
                d |= bit_of.get((i, p), 0) | deps[src]
            deps[i] = d
        sg_dep = [deps[i] & owner_mask.get(sg[i], 0) for i in range(len(inputs))]
        cyc_dep = [deps[i] & producer_mask.get(sg[i], 0) for i in range(len(inputs))]
        added = []
        for i, ins in enumerate(inputs):
            cd = cyc_dep[i]
            if not cd:
                continue
            mine = sg[i]
            cid = 0
            for b in _bits(cd):
                node, p = bits[b]
                cid |= sg_dep[inputs[node][p][0]]
            for b in _bits(sg_dep[i]):  # re-entry through a shared graph input
                if not is_gi[b] and owner_sg[b] == mine and producer_sg[b] != mine:
                    cid |= sg_dep[bits[b][0]]
            for p, (src, port) in enumerate(ins):
                if cd & cyc_dep[src] or not cid & sg_dep[src]:
                    continue
                leaf = (
                    len(self.consumers.get((src, port), ())) == 1
                    and not graph_input[src]
                    and not cyc_dep[src]
                    and all(is_gi[b] or graph_input[inputs[bits[b][0]][bits[b][1]][0]] for b in _bits(sg_dep[src]))
                )  # fmt: skip
                if not leaf:
                    added.append((i, p))
        return added

    def _cyclic_components(self, sg: list[int]) -> set[int]:
        """Components that lie on a cycle of the component graph (Tarjan, non-trivial SCCs)."""
        successors: dict[int, set[int]] = {}
        for node, p in self.boundary:
            if self.graph_input[node]:
                continue
            a, b = sg[self.inputs[node][p][0]], sg[node]
            if a != b:
                successors.setdefault(a, set()).add(b)
        return _non_trivial_scc_members(successors)

    def _isolate_one(self, sg: list[int], members: set[int]) -> None:
        """Promote all same-component inputs of the one layer HETERO's ranking picks."""
        graph_input, inputs, boundary = self.graph_input, self.inputs, self.boundary
        non_result_consumers = self.non_result_consumers

        def graph_input_leaf(x: int) -> bool:
            return (not graph_input[x] and non_result_consumers[x] == 1
                    and all(graph_input[src] for src, _ in inputs[x]))  # fmt: skip

        best = None
        for i, ins in enumerate(inputs):
            mine = sg[i]
            if mine not in members:
                continue
            same, reentry, shared, leaf = 0, False, False, False
            for p, (src, _) in enumerate(ins):
                if (i, p) in boundary:
                    reentry |= sg[src] != mine and sg[src] in members
                    continue
                if sg[src] != mine:
                    continue
                same += 1
                shared |= non_result_consumers[src] > 1
                leaf |= graph_input_leaf(src)
            if not same:
                continue
            # prefer re-entry points and shared sources; avoid leaves of graph inputs and linear layers
            rank = (not reentry, not shared, leaf, same == 1 and non_result_consumers[i] <= 1, same, i)
            if best is None or rank < best:
                best = rank
        assert best is not None, "a cyclic component has a layer with a same-component input"
        target = best[-1]
        for p, (src, _) in enumerate(inputs[target]):
            if (target, p) not in boundary and sg[src] == sg[target]:
                boundary.add((target, p))

    # -- 4./5. cuts, submodels, order ----------------------------------------------------------------------

    def run(self) -> Partition:
        self.init()
        sg = self.split_cycles()
        ir, ids, inputs = self.ir, self.ids, self.inputs
        # Cut outputs in the order HETERO meets their boundary inputs; one Result per producer output port,
        # one Parameter per consuming component (ascending id, as its std::map orders them).
        cut_order: list[tuple[int, int, list[int], list[int]]] = []
        seen: set[tuple[int, int]] = set()
        for i, ins in enumerate(inputs):
            for p, (src, port) in enumerate(ins):
                if (i, p) not in self.boundary or self.type[src] == "Const" or (src, port) in seen:
                    continue
                seen.add((src, port))
                foreign = [(c, cp) for c, cp in self.consumers[(src, port)] if sg[c] != sg[src]]
                if foreign:
                    cut_order.append((src, port, sorted({sg[c] for c, _ in foreign}), [c for c, _ in foreign]))
        # Components that become submodels: those holding a Parameter, Result or sink, inserted into HETERO's
        # std::unordered_map in this sequence (original Parameters, cut Parameters, original Results, cut
        # Results, sinks), which decides their order within a level.
        # The model's own Parameters, Results and sinks, in model (XML) order.
        params, results, sinks = ([self.pos[lid] for lid, layer in ir.layers.items() if layer.ir_type == kind]
                                  for kind in ("Parameter", "Result", "Assign"))  # fmt: skip
        insertion = ([sg[i] for i in params] + [t for *_, targets, _ in cut_order for t in targets]
                     + [sg[i] for i in results] + [sg[src] for src, *_ in cut_order] + [sg[i] for i in sinks])  # fmt: skip
        device: dict[int, str] = {}
        for i in params:
            device[sg[i]] = self.affinity[i]
        for i in results:
            device[sg[i]] = self.affinity[inputs[i][0][0]]
        for src, *_ in cut_order:
            device[sg[src]] = self.affinity[src]
        for i in sinks:
            device[sg[i]] = self.affinity[inputs[i][0][0]]
        # Level sort: a component is ready once every cut it consumes has been produced.
        needs: dict[int, set[int]] = {c: set() for c in insertion}
        for src, _, targets, _ in cut_order:
            for t in targets:
                needs[t].add(sg[src])
        pending = unordered_order(insertion)
        ordered: list[int] = []
        placed: set[int] = set()
        while pending:
            ready = [c for c in pending if needs[c] <= placed]
            if not ready:
                raise RuntimeError("HETERO cannot sort these subgraphs")
            ordered += ready
            placed.update(ready)
            pending = [c for c in pending if c not in placed]
        index_of = {c: k for k, c in enumerate(ordered)}
        members: dict[int, list[int]] = {c: [] for c in ordered}
        constants: dict[int, list[int]] = {c: [] for c in ordered}
        for i, lid in enumerate(ids):
            if self.type[i] == "Const":
                for c in dict.fromkeys(sg[t] for t, _ in self.consumers.get((i, ir.layers[lid].outputs[0].id), ())):
                    if c in constants:
                        constants[c].append(lid)
            elif sg[i] in members:
                members[sg[i]].append(lid)
        subgraphs = tuple(
            Subgraph(index=k, collector_id=c, device=device[c], layers=tuple(members[c]), constants=tuple(constants[c]))
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
            device_of={lid: self.affinity[i] for i, lid in enumerate(ids)},
            collector_ids={lid: sg[i] for i, lid in enumerate(ids)},
            cuts=cuts,
            cycle_rounds=self.rounds,
            scc_steps=self.scc_steps,
            subgraph_of={lid: index_of[sg[i]] for i, lid in enumerate(ids) if sg[i] in index_of and self.type[i] != "Const"},
            detached_results=tuple(
                ids[i] for i in results if self.type[inputs[i][0][0]] != "Const" and sg[inputs[i][0][0]] != sg[i]
            ),
        )


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _non_trivial_scc_members(successors: dict[int, set[int]]) -> set[int]:
    """Vertices on a cycle: members of strongly connected components of size > 1 (iterative Tarjan)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    members: set[int] = set()
    for start in list(successors):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        calls = [(start, iter(successors.get(start, ())))]
        while calls:
            v, it = calls[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    calls.append((w, iter(successors.get(w, ()))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            calls.pop()
            if calls:
                low[calls[-1][0]] = min(low[calls[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    component.append(x)
                    if x == v:
                        break
                if len(component) > 1:
                    members.update(component)
    return members
