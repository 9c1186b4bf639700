"""The boundary microbenchmark: a chain of layers, cut into ``k`` subgraphs that alternate between two
devices.

Depthwise convolutions do not fuse with each other on the CPU plugin, so the chain runs the same kernels
however it is cut, and only the boundaries change with ``k``: the latency's slope over ``k`` is what one more
subgraph costs (:func:`~hetero_tool.cost.fit.fit_boundary_cost`). The boundary tensor is an f32
``[1, 16, H, W]``; :func:`boundary_sizes` picks its sizes from the tensors the model could cut.
"""

from __future__ import annotations

import math

from hetero_tool.cost.profile import CHAIN_CHANNELS
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel

__all__ = ["boundary_sizes", "chain_affinity", "chain_hw", "chain_input", "chain_model"]


def chain_model(tensor_bytes: int, layers: int = 32, *, seed: int = 0):
    """A chain of ``layers`` depthwise 3x3 convolutions on an f32 ``[1, 16, H, W]`` tensor of about
    ``tensor_bytes`` (an ``ov.Model``; layers named ``layer0``, ``layer1``...).

    Depthwise convolutions do not fuse with each other on the CPU plugin, so the chain runs the same kernels
    however it is cut; each is cheap and memory-bound, like the Reorders a boundary adds.

    Examples
    --------
    >>> model = chain_model(4096, layers=4)
    >>> model.inputs[0].get_shape(), [op.get_friendly_name() for op in model.get_ordered_ops()][-3:]
    (<Shape: [1,16,8,8]>, ['w3', 'layer3', 'y'])
    """
    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops

    height, width = chain_hw(tensor_bytes)
    rng = np.random.default_rng(seed)
    x = ops.parameter([1, CHAIN_CHANNELS, height, width], np.float32, name="x")
    y = x.output(0)
    for i in range(layers):
        # Weights summing to about 1 keep activations bounded however long the chain is.
        w = (rng.random((CHAIN_CHANNELS, 1, 1, 3, 3)) / 4.5).astype(np.float32)
        weights = ops.constant(w, name=f"w{i}")
        conv = ops.group_convolution(y, weights, [1, 1], [1, 1], [1, 1], [1, 1], name=f"layer{i}")
        y = conv.output(0)
    result = ops.result(y, name="y")
    return ov.Model([result], [x], f"chain_{4 * CHAIN_CHANNELS * height * width}")


def chain_affinity(ir: IRModel, subgraphs: int, devices: tuple[str, str]) -> dict[int, str]:
    """Layer id -> device for the chain's layers (``layer<i>``), cut into ``subgraphs`` runs of (nearly) equal
    length that alternate between ``devices``, starting with the first. Parameters, Constants and Results are
    left out: they follow their neighbours, as HETERO places them.

    Examples
    --------
    >>> import openvino as ov
    >>> from hetero_tool.ir import parse_ir
    >>> ov.save_model(chain_model(1024, layers=4), f"{tmp}/c.xml")
    >>> ir = parse_ir(f"{tmp}/c.xml")
    >>> affinity = chain_affinity(ir, 2, ("NPU", "CPU"))
    >>> [affinity[lid] for lid in sorted(affinity, key=lambda lid: ir.layers[lid].name)]
    ['NPU', 'NPU', 'CPU', 'CPU']
    """
    chain = sorted(
        (lid for lid, layer in ir.layers.items() if layer.name.startswith("layer")),
        key=lambda lid: int(ir.layers[lid].name[len("layer") :]),
    )
    if not 1 <= subgraphs <= len(chain):
        raise ValueError(f"{subgraphs} subgraphs from a chain of {len(chain)} layers")
    return {lid: devices[(i * subgraphs // len(chain)) % 2] for i, lid in enumerate(chain)}


def boundary_sizes(ir: IRModel, count: int = 3) -> tuple[int, ...]:
    """Boundary sizes (bytes) for the microbenchmark, spanning the tensors this model could cut: ``count``
    sizes spaced evenly on a log scale from the 10th to the 90th percentile of its compute layers' output
    bytes, kept within 1 KiB..4 MiB and at least a factor of 16 apart end to end, rounded to what the chain
    can carry.
    """
    found = sorted(
        port.nbytes
        for layer in ir.layers.values()
        if layer.type not in STRUCTURAL_TYPES
        for port in layer.outputs
        if port.nbytes
    )
    # 10th and 90th percentiles (the value at rank ceil(p * n), as bench's latency percentiles).
    low, high = (
        (found[max(0, math.ceil(0.1 * len(found)) - 1)], found[max(0, math.ceil(0.9 * len(found)) - 1)])
        if found
        else (1024, 65536)
    )
    low = min(max(low, 1024), 1 << 22)
    high = min(max(high, 16 * low), 1 << 22)
    if high < 16 * low:
        low = high // 16
    sizes = []
    for i in range(count):
        target = low * (high / low) ** (i / max(1, count - 1))
        height, width = chain_hw(int(target))
        sizes.append(4 * CHAIN_CHANNELS * height * width)
    return tuple(sorted(set(sizes)))


def chain_hw(tensor_bytes: int) -> tuple[int, int]:
    """Height and width of the chain's ``[1, 16, H, W]`` f32 tensor closest to ``tensor_bytes``: exact when it
    is a multiple of 64 bytes with a near-square factorisation, else the nearest near-square.

    Examples
    --------
    >>> chain_hw(8192), chain_hw(1024), chain_hw(5000)
    ((8, 16), (4, 4), (6, 13))
    """
    pixels = max(1, round(tensor_bytes / (4 * CHAIN_CHANNELS)))
    root = math.isqrt(pixels)
    for height in range(root, max(1, root // 2) - 1, -1):
        if height and pixels % height == 0:
            return height, pixels // height
    height = max(1, root)
    return height, max(1, round(pixels / height))


def chain_input(compiled, seed: int):
    """Seeded standard-normal data for the chain's one input."""
    import numpy as np

    port = compiled.inputs[0]
    return np.random.default_rng(seed).standard_normal(tuple(port.get_shape())).astype(np.float32)
