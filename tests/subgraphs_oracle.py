"""The straightforward reading of HETERO's cycle breaking, kept as an oracle for the fast implementation.

This is ``SubgraphCollector::split_cyclic_dependencies`` read line by line: every round recomputes every
component id, ORs HETERO's bitsets bit by bit, and scans every layer for the SCC fallback's best candidate. It
was checked against the real plugin (the partition fuzz, 162 random models) before the library switched to the
incremental version in :mod:`hetero_tool.partition.subgraphs`; ``test_subgraphs_incremental`` holds the two
equal on many more random models than the plugin could be asked about.
"""

from __future__ import annotations

from hetero_tool.partition.subgraphs import Partition, _Collector


def oracle_subgraphs(ir, affinity) -> Partition:
    """:func:`~hetero_tool.partition.subgraphs.collect_subgraphs` with the round-by-round cycle breaking."""
    return _OracleCollector(ir, affinity).run()


class _OracleCollector(_Collector):
    def split_cycles(self) -> list[int]:
        sg: list[int] = []
        size = -1
        while size != len(self.boundary):
            size = len(self.boundary)
            sg = self.component_ids()
            self.boundary.update(self._heuristic_round_bitwise(sg))
            self.rounds += 1
        ids_valid = True
        while True:
            if not ids_valid:
                sg = self.component_ids()
                ids_valid = True
            members = self._cyclic_components(sg)
            if not members:
                return sg
            self._isolate_one(sg, members)
            self.scc_steps += 1
            ids_valid = False

    def _heuristic_round_bitwise(self, sg: list[int]) -> list[tuple[int, int]]:
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
            for b in _bits(sg_dep[i]):
                if not is_gi[b] and owner_sg[b] == mine and producer_sg[b] != mine:
                    cid |= sg_dep[bits[b][0]]
            for p, (src, port) in enumerate(ins):
                if cd & cyc_dep[src] or not cid & sg_dep[src]:
                    continue
                leaf = (
                    len(self.consumers.get((src, port), ())) == 1
                    and not graph_input[src]
                    and not cyc_dep[src]
                    and all(
                        is_gi[b] or graph_input[inputs[bits[b][0]][bits[b][1]][0]] for b in _bits(sg_dep[src])
                    )
                )
                if not leaf:
                    added.append((i, p))
        return added

    def _cyclic_components(self, sg: list[int]) -> set[int]:
        successors: dict[int, set[int]] = {}
        for node, p in self.boundary:
            if self.graph_input[node]:
                continue
            a, b = sg[self.inputs[node][p][0]], sg[node]
            if a != b:
                successors.setdefault(a, set()).add(b)
        return _non_trivial_scc_members(successors)

    def _isolate_one(self, sg: list[int], members: set[int]) -> None:
        graph_input, inputs, boundary = self.graph_input, self.inputs, self.boundary
        nrc = self.non_result_consumers

        def graph_input_leaf(x: int) -> bool:
            return not graph_input[x] and nrc[x] == 1 and all(graph_input[src] for src, _ in inputs[x])

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
                shared |= nrc[src] > 1
                leaf |= graph_input_leaf(src)
            if not same:
                continue
            rank = (not reentry, not shared, leaf, same == 1 and nrc[i] <= 1, same, i)
            if best is None or rank < best:
                best = rank
        target = best[-1]
        for p, (src, _) in enumerate(inputs[target]):
            if (target, p) not in boundary and sg[src] == sg[target]:
                boundary.add((target, p))


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _non_trivial_scc_members(successors: dict[int, set[int]]) -> set[int]:
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
