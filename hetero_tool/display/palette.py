"""Device colours: stable, colour-blind safe, and the same in every view, report and export.

Colours come from the Okabe-Ito palette (distinguishable under the common colour-vision deficiencies). The
usual device families keep one colour wherever they appear (CPU blue, GPU orange, NPU green); any other device
name gets one of the remaining colours by a hash of its name, so it too is the same in every run. Colour is
never the only cue: each family also has its own border style, and every picture carries a legend.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["DeviceStyle", "LATENCY_GRADIENT", "OKABE_ITO", "device_style", "latency_colour", "readable_text"]

#: The Okabe-Ito palette, black aside.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")

#: Time per layer, from none to the slowest layer: white to vermilion (Okabe-Ito), as colour and stop.
LATENCY_GRADIENT = (("#FFFFFF", 0.0), ("#D55E00", 1.0))

_FAMILIES = {"CPU": ("#0072B2", "solid"), "GPU": ("#E69F00", "dashed"), "NPU": ("#009E73", "bold")}
_OTHERS = ("#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_OTHER_BORDERS = ("dotted", "solid", "dashed", "bold", "dotted")


@dataclass(frozen=True)
class DeviceStyle:
    """How a device is drawn."""

    #: Fill colour (hex).
    fill: str
    #: Text colour that reads on the fill.
    text: str
    #: Graphviz border style: the cue that does not depend on colour.
    border: str


def device_style(device: str) -> DeviceStyle:
    """The style of ``device`` (``"NPU"``, ``"GPU.1"``, ``"CPUX"``...), the same in every run.

    Examples
    --------
    >>> device_style("NPU").fill, device_style("GPU.1").fill, device_style("CPU").border
    ('#009E73', '#E69F00', 'solid')
    >>> device_style("MYDEV") == device_style("MYDEV")
    True
    """
    family = device.split(".")[0]
    if family in _FAMILIES:
        fill, border = _FAMILIES[family]
    else:
        k = int(hashlib.sha256(family.encode()).hexdigest(), 16) % len(_OTHERS)
        fill, border = _OTHERS[k], _OTHER_BORDERS[k]
    return DeviceStyle(fill=fill, text=readable_text(fill), border=border)


def latency_colour(share: float) -> str:
    """The colour of a layer that takes ``share`` (0..1) of the slowest layer's time, on
    :data:`LATENCY_GRADIENT`.

    Examples
    --------
    >>> latency_colour(0.0), latency_colour(1.0), latency_colour(0.5)
    ('#FFFFFF', '#D55E00', '#EAAE80')
    """
    (low, _), (high, _) = LATENCY_GRADIENT
    share = min(1.0, max(0.0, share))
    channels = [
        round(int(low[k : k + 2], 16) + share * (int(high[k : k + 2], 16) - int(low[k : k + 2], 16)))
        for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02X}" for c in channels)


def readable_text(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (relative luminance, WCAG)."""
    r, g, b = (int(fill[k : k + 2], 16) / 255 for k in (1, 3, 5))
    channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]
    return "#000000" if luminance > 0.179 else "#FFFFFF"
