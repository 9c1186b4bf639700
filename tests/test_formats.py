"""Other formats reach the tool as IR through OpenVINO's frontends, converted once into the cache."""

from __future__ import annotations

import os

import numpy as np
import openvino as ov
import pytest

from hetero_tool.cache import cache_dir
from hetero_tool.errors import ModelFormatError
from hetero_tool.ir import ir_path_from_model, load_ir
from tests.foreign_models import FIXTURES


@pytest.mark.parametrize("fmt", sorted(FIXTURES))
def test_conversion_runs_the_same_model(tmp_path, fmt):
    """The cached IR computes what the source model computes (checked against numpy)."""
    fixture = FIXTURES[fmt]
    source = fixture.write(tmp_path / fixture.filename)
    xml = ir_path_from_model(source)
    compiled = ov.Core().compile_model(xml, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    x = np.random.default_rng(0).standard_normal(fixture.input_shape).astype(np.float32)
    np.testing.assert_allclose(compiled([x])[0], fixture.reference(x), rtol=1e-5, atol=1e-5)


def test_conversion_is_cached_by_content(tmp_path):
    fixture = FIXTURES["onnx"]
    first_source = fixture.write(tmp_path / fixture.filename)
    first = ir_path_from_model(first_source)
    stamp = first.stat().st_mtime_ns
    copy = tmp_path / "elsewhere" / "renamed.onnx"
    copy.parent.mkdir()
    copy.write_bytes(first_source.read_bytes())
    second = ir_path_from_model(copy)
    assert second.parent == first.parent  # content, not name or place, is the key
    assert first.stat().st_mtime_ns == stamp  # and the entry was reused, not rewritten


def test_failed_conversion_leaves_no_cache_entry(tmp_path):
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"\x00" * 64)
    converted = cache_dir("converted")
    before = set(os.listdir(converted))
    with pytest.raises(
        ModelFormatError, match="broken.tflite: OpenVINO could not read this TensorFlow Lite model"
    ):
        load_ir(broken)
    assert set(os.listdir(converted)) == before


def test_ir_directory(sample_paths, tmp_path):
    (tmp_path / "m.xml").write_bytes(sample_paths["mobilenet"].read_bytes())
    (tmp_path / "m.bin").write_bytes(sample_paths["mobilenet"].with_suffix(".bin").read_bytes())
    assert load_ir(tmp_path).name == "mobilenet"
