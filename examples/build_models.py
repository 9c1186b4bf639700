"""Write the sample models as OpenVINO IR and list them.

Usage (with hetero_tool installed, e.g. ``pip install -e .``)::

    python examples/build_models.py [OUT_DIR]
"""

import argparse
from pathlib import Path

import openvino as ov

from hetero_tool.samples import SAMPLES, save_samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(__file__).parent / "models"
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=default_dir,
        help="output directory (default: examples/models)",
    )
    parser.add_argument("--only", nargs="+", choices=list(SAMPLES), help="samples to write (default: all)")
    args = parser.parse_args()

    core = ov.Core()
    for name, xml in save_samples(args.out_dir, args.only).items():
        layers = len(core.read_model(xml).get_ordered_ops())
        print(f"{name:<14} {layers:>4} layers  {xml}")


if __name__ == "__main__":
    main()
