"""Bad input gets one clear line naming the file (and layer, XML line), exit code 2, and no traceback.

Each case breaks exactly one thing in the tiny hand-written IR (see conftest) and checks the message through
the CLI, as a user meets it, and the error type through the library.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from hetero_tool.errors import InputError, IRError, ModelFormatError, WeightsError
from hetero_tool.ir import load_ir, parse_ir
from tests.conftest import TINY_EDGES, TINY_LAYERS, tiny_ir_text


def assert_one_line_error(result, *needles: str, code: int = 2) -> str:
    """Exit ``code``, nothing on stdout, exactly one ``error:`` line on stderr containing every needle."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


CASES = {
    # name: (xml text, bin bytes, needles in the message, expected error class)
    "truncated_xml": (tiny_ir_text()[:300], 16, ["malformed XML", ":"], IRError),
    "not_xml": ("this is not xml at all\n", 16, ["malformed XML"], IRError),
    "billion_laughs": (
        tiny_ir_text(
            head='<!DOCTYPE net [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        ).replace('name="tiny"', 'name="&c;"'),
        16,
        ["DOCTYPE", "refused"],
        IRError,
    ),
    "external_entity": (
        tiny_ir_text(head='<!DOCTYPE net [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n').replace(
            'name="tiny"', 'name="&xxe;"'
        ),
        16,
        ["DOCTYPE", "refused"],
        IRError,
    ),
    "undeclared_entity": (
        tiny_ir_text().replace('name="tiny"', 'name="&xxe;"'),
        16,
        ["malformed XML", "undefined entity"],
        IRError,
    ),
    "wrong_root": (
        '<?xml version="1.0"?>\n<html><body/></html>\n',
        16,
        ["not an OpenVINO IR", "<html>"],
        IRError,
    ),
    "unsupported_version": (tiny_ir_text(version=7), 16, ["IR version 7", "v10 and v11"], IRError),
    "missing_bin": (tiny_ir_text(), None, ["tiny.bin", "not found", "16 bytes"], WeightsError),
    "truncated_bin": (
        tiny_ir_text(),
        10,
        ["layer 1 ('bias')", "bytes 0..16", "only 10 bytes", "truncated"],
        WeightsError,
    ),
    "edge_to_missing_layer": (
        tiny_ir_text(TINY_LAYERS, TINY_EDGES.replace('to-layer="4"', 'to-layer="44"')),
        16,
        ["refers to layer 44", "does not exist"],
        IRError,
    ),
    "edge_to_missing_port": (
        tiny_ir_text(TINY_LAYERS, TINY_EDGES.replace('to-layer="3" to-port="0"', 'to-layer="3" to-port="5"')),
        16,
        ["layer 3 ('relu') has no input port 5"],
        IRError,
    ),
    "edge_from_missing_port": (
        tiny_ir_text(
            TINY_LAYERS, TINY_EDGES.replace('from-layer="2" from-port="2"', 'from-layer="2" from-port="7"')
        ),
        16,
        ["layer 2 ('add') has no output port 7"],
        IRError,
    ),
    "duplicate_layer_id": (
        tiny_ir_text(TINY_LAYERS.replace('<layer id="3" name="relu"', '<layer id="2" name="relu"')),
        16,
        ["duplicate layer id 2", "'add'", "'relu'"],
        IRError,
    ),
    "cycle": (
        tiny_ir_text(
            TINY_LAYERS.replace(
                '<layer id="3" name="relu" type="ReLU" version="opset1">\n'
                '  <input><port id="0" precision="FP32">'
                "<dim>1</dim><dim>4</dim></port></input>",
                '<layer id="3" name="relu" type="Add" version="opset1">\n'
                '  <input><port id="0" precision="FP32">'
                '<dim>1</dim><dim>4</dim></port><port id="2" precision="FP32"><dim>1</dim><dim>4</dim></port>'
                "</input>",
            ).replace(
                '<output><port id="1" precision="FP32" names="y">', '<output><port id="1" precision="FP32">'
            ),
            TINY_EDGES.replace('to-layer="2" to-port="0"', 'to-layer="2" to-port="0"').replace(
                '<edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>',
                '<edge from-layer="3" from-port="1" to-layer="2" to-port="0"/>\n'
                '<edge from-layer="0" from-port="0" to-layer="3" to-port="2"/>',
            ),
        ),
        16,
        ["cycle: layer 3 ('relu') -> layer 2 ('add') -> layer 3 ('relu')"],
        IRError,
    ),
    "input_fed_twice": (
        tiny_ir_text(
            TINY_LAYERS, TINY_EDGES + '<edge from-layer="0" from-port="0" to-layer="3" to-port="0"/>\n'
        ),
        16,
        ["input port 0 of layer 3 ('relu') is fed twice"],
        IRError,
    ),
    "input_not_fed": (
        tiny_ir_text(
            TINY_LAYERS,
            TINY_EDGES.replace('<edge from-layer="2" from-port="2" to-layer="3" to-port="0"/>\n', ""),
        ),
        16,
        ["input port 0 of layer 3 ('relu') has no incoming edge"],
        IRError,
    ),
    "bad_dimension": (
        tiny_ir_text(
            TINY_LAYERS.replace('names="y"><dim>1</dim><dim>4</dim>', 'names="y"><dim>1</dim><dim>four</dim>')
        ),
        16,
        ["layer 3 ('relu')", "bad dimension 'four'"],
        IRError,
    ),
    "non_integer_id": (
        tiny_ir_text(TINY_LAYERS.replace('<layer id="3"', '<layer id="three"')),
        16,
        ["id='three' is not an integer"],
        IRError,
    ),
    "const_size_mismatch": (
        tiny_ir_text(TINY_LAYERS.replace('size="16"', 'size="8"')),
        16,
        ["layer 1 ('bias')", "size=8", "need 16 bytes"],
        IRError,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_ir_is_one_clear_line(case, write_ir, run_cli):
    text, bin_bytes, needles, error = CASES[case]
    xml = write_ir(text, bin_bytes=bin_bytes)
    assert_one_line_error(run_cli("inspect", xml), str(xml.name), *needles)
    with pytest.raises(error) as info:
        parse_ir(xml)
    assert info.value.exit_code == 2


def test_messages_give_the_xml_line(write_ir):
    text = tiny_ir_text(TINY_LAYERS, TINY_EDGES.replace('to-layer="4"', 'to-layer="44"'))
    xml = write_ir(text)
    with pytest.raises(IRError) as info:
        parse_ir(xml)
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if 'to-layer="44"' in line)
    assert info.value.line == expected_line
    assert str(info.value).startswith(f"{xml}:{expected_line}: ")


def test_entities_are_never_expanded(write_ir):
    """The external entity's target is never read: the file's content cannot reach any output."""
    text = tiny_ir_text(head='<!DOCTYPE net [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n').replace(
        'name="x"', 'name="&xxe;"'
    )
    with pytest.raises(IRError, match="DOCTYPE"):
        parse_ir(write_ir(text))


def test_missing_file(run_cli, tmp_path):
    assert_one_line_error(run_cli("inspect", tmp_path / "nope.xml"), "nope.xml", "no such file")
    with pytest.raises(InputError):
        load_ir(tmp_path / "nope.xml")


def test_unknown_file_type(run_cli, tmp_path):
    path = tmp_path / "model.caffemodel"
    path.write_bytes(b"\0\1\2")
    assert_one_line_error(
        run_cli("inspect", path), "model.caffemodel", "unknown model type '.caffemodel'", ".onnx"
    )
    with pytest.raises(ModelFormatError):
        load_ir(path)


def test_corrupt_onnx_is_openvinos_one_line(run_cli, tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"definitely not protobuf")
    assert_one_line_error(run_cli("inspect", path), "broken.onnx", "OpenVINO could not read this ONNX model")


def test_directory_with_several_irs(run_cli, write_ir, tmp_path):
    write_ir(name="a")
    write_ir(name="b")
    assert_one_line_error(run_cli("inspect", tmp_path), "several IRs", "a.xml, b.xml")


def test_directory_without_ir(run_cli, tmp_path):
    assert_one_line_error(run_cli("inspect", tmp_path), "holds no IR")


def test_verbose_shows_the_traceback(run_cli, write_ir):
    xml = write_ir(bin_bytes=None)
    result = run_cli("--verbose", "inspect", xml)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "WeightsError" in result.stderr
    assert re.search(r"error: .*tiny\.bin", result.stderr)


def test_real_process_prints_no_traceback(write_ir):
    """The installed entry point, not just the in-process runner: exit 2, one line, nothing on stdout."""
    xml = write_ir(bin_bytes=10)
    proc = subprocess.run(
        [sys.executable, "-m", "hetero_tool", "inspect", str(xml)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert (
        proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    )
