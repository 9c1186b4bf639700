"""The example models are deterministic, named, and real: they compile and run on the CPU plugin."""

from __future__ import annotations

import numpy as np
import openvino as ov
import pytest

from hetero_tool.samples import SAMPLES, build_sample, save_samples


def test_saving_is_byte_for_byte_deterministic(tmp_path, sample_paths):
    again = save_samples(tmp_path)
    for name, path in sample_paths.items():
        assert again[name].read_bytes() == path.read_bytes(), name
        assert again[name].with_suffix(".bin").read_bytes() == path.with_suffix(".bin").read_bytes(), name


def test_unknown_sample_name():
    with pytest.raises(ValueError, match="mobilenet"):
        build_sample("resnet")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_sample_compiles_and_runs_on_cpu(sample_paths, name):
    core = ov.Core()
    model = core.read_model(sample_paths[name])
    assert all(core.query_model(model, "CPU").get(op.get_friendly_name()) == "CPU" for op in model.get_ops())
    compiled = core.compile_model(model, "CPU")
    rng = np.random.default_rng(0)
    inputs = []
    for port in compiled.inputs:
        dtype = port.get_element_type().to_dtype()
        shape = list(port.get_shape())
        if np.issubdtype(dtype, np.integer):
            inputs.append(rng.integers(0, 8, size=shape).astype(dtype))
        elif dtype == np.bool_:
            inputs.append(np.ones(shape, dtype=bool))
        else:
            inputs.append(rng.standard_normal(shape).astype(dtype))
    outputs = compiled(inputs)
    assert len(outputs) == len(compiled.outputs)


def test_friendly_names_are_unique(sample_paths):
    from hetero_tool.ir import parse_ir

    for name, path in sample_paths.items():
        ids = parse_ir(path).ids_by_name
        assert all(len(v) == 1 for v in ids.values()), name
