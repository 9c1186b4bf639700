"""Shared fixtures of the tests: a tiny hand-written IR and the CLI runner (the example models and the private
cache come from the top-level ``conftest.py``, which the doctests share).

Testing guidelines for this suite:
- OpenVINO is the ground truth; never mock it for a behaviour the tool claims about OpenVINO.
- Tests that take more than a few seconds are marked ``slow``.
- The conversion/query cache points at a per-session temporary directory, never at the user's cache.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hetero_tool.cli.app import app

# A tiny IR written by hand, so each bad-input test can break exactly one thing in it:
# x (Parameter 1x4) -> add (+ bias Const, 16 bytes of .bin) -> relu -> out (Result).
TINY_LAYERS = """\
<layer id="0" name="x" type="Parameter" version="opset1">
  <data shape="1,4" element_type="f32"/>
  <output><port id="0" precision="FP32" names="x"><dim>1</dim><dim>4</dim></port></output>
</layer>
<layer id="1" name="bias" type="Const" version="opset1">
  <data element_type="f32" shape="1,4" offset="0" size="16"/>
  <output><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></output>
</layer>
<layer id="2" name="add" type="Add" version="opset1">
  <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port>
         <port id="1" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
  <output><port id="2" precision="FP32"><dim>1</dim><dim>4</dim></port></output>
</layer>
<layer id="3" name="relu" type="ReLU" version="opset1">
  <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
  <output><port id="1" precision="FP32" names="y"><dim>1</dim><dim>4</dim></port></output>
</layer>
<layer id="4" name="out" type="Result" version="opset1">
  <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
</layer>
"""
TINY_EDGES = """\
<edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>
<edge from-layer="1" from-port="0" to-layer="2" to-port="1"/>
<edge from-layer="2" from-port="2" to-layer="3" to-port="0"/>
<edge from-layer="3" from-port="1" to-layer="4" to-port="0"/>
"""


def tiny_ir_text(
    layers: str = TINY_LAYERS, edges: str = TINY_EDGES, *, version: int = 11, head: str = ""
) -> str:
    """The tiny IR as XML text; pass replacements for its parts to break it."""
    return (
        f'<?xml version="1.0"?>\n{head}<net name="tiny" version="{version}">\n<layers>\n{layers}</layers>\n'
        f"<edges>\n{edges}</edges>\n</net>\n"
    )


@pytest.fixture
def write_ir(tmp_path: Path) -> Callable[..., Path]:
    """``write_ir(text=None, bin_bytes=16, name="tiny")`` writes an IR (tiny by default) and its .bin."""

    def write(text: str | None = None, *, bin_bytes: int | None = 16, name: str = "tiny") -> Path:
        xml = tmp_path / f"{name}.xml"
        xml.write_text(tiny_ir_text() if text is None else text)
        if bin_bytes is not None:
            xml.with_suffix(".bin").write_bytes(struct.pack("<4f", 0.5, -1.0, 2.0, 0.0)[:bin_bytes])
        return xml

    return write


@pytest.fixture
def run_cli() -> Callable[..., object]:
    """``run_cli("inspect", path)`` invokes the CLI in-process; the result has exit_code, stdout, stderr."""
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(app, [str(a) for a in args])

    return run
