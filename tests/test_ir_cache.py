"""``load_ir``'s cache of parsed models: the very model a fresh parse gives, keyed by the files' bytes."""

from __future__ import annotations

import hashlib
import shutil

from hetero_tool.cache import cache_dir
from hetero_tool.ir import load_ir, parse_ir


def _entries() -> set:
    return set(cache_dir("parsed").iterdir())


def _sha256(*paths) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_cached_model_equals_a_fresh_parse(sample_paths):
    for name, xml in sample_paths.items():  # control_flow has TensorIterator, Loop and If bodies
        first = load_ir(xml)
        before = _entries()
        second = load_ir(xml)  # from the cache
        assert _entries() == before, name
        fresh = parse_ir(xml)
        assert first == fresh, name
        assert second == fresh, name
        assert (second.path, second.weights_path) == (fresh.path, fresh.weights_path), name
        assert second.sha256 == fresh.sha256 == _sha256(xml, xml.with_suffix(".bin")), name
        assert list(second.layers) == list(fresh.layers), name  # the XML order, which the walk starts from
        assert second.ordered == fresh.ordered, name  # OpenVINO's walk, stored with the model


def test_a_changed_model_is_parsed_again(tmp_path, sample_paths):
    xml = tmp_path / "m.xml"
    shutil.copy(sample_paths["mobilenet"], xml)
    shutil.copy(sample_paths["mobilenet"].with_suffix(".bin"), xml.with_suffix(".bin"))
    old = load_ir(xml)
    name = next(layer.name for layer in old.layers.values() if layer.type == "Softmax")
    xml.write_text(xml.read_text().replace(f'name="{name}"', 'name="renamed"'))
    new = load_ir(xml)
    assert new == parse_ir(xml) != old
    assert "renamed" in new.ids_by_name
    assert new.sha256 == _sha256(xml, xml.with_suffix(".bin")) != old.sha256


def test_a_damaged_entry_is_parsed_again_and_replaced(tmp_path, sample_paths):
    xml = tmp_path / "t.xml"  # a model of its own (entries are keyed by the bytes, not the path)
    xml.write_text(sample_paths["transformer"].read_text().replace('name="transformer"', 'name="damaged"', 1))
    shutil.copy(sample_paths["transformer"].with_suffix(".bin"), xml.with_suffix(".bin"))
    before = _entries()
    load_ir(xml)
    (entry,) = _entries() - before
    entry.write_bytes(b"\x93not a model")
    assert load_ir(xml) == parse_ir(xml)
    assert entry.read_bytes() != b"\x93not a model"
    assert load_ir(xml) == parse_ir(xml)


def test_without_the_cache_nothing_is_read_or_written(tmp_path, sample_paths):
    xml = tmp_path / "d.xml"
    shutil.copy(sample_paths["detector"], xml)
    shutil.copy(sample_paths["detector"].with_suffix(".bin"), xml.with_suffix(".bin"))
    before = _entries()
    assert load_ir(xml, use_cache=False) == parse_ir(xml)
    assert _entries() == before
