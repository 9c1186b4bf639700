"""Per-device OpenVINO settings, given the same way to ``plan``, ``calibrate`` and ``bench``.

benchmark_app's ``--load-config FILE`` (JSON ``{"DEVICE": {"KEY": value}}``, keyed by the device names the
user gave, emulated ones included) and ``--nstreams``, ``--nthreads``, ``--infer-precision`` (one value for
every device, or ``CPU:4,NPU:1``). As in benchmark_app, an option wins over the file for its key.

What the user sets this way is recorded in the plan (``device_config``) next to what the tool sets (an
emulated device's profile config), and compiled with by ``bench``; a cost profile records it too. The keys
and values go to OpenVINO as properties; OpenVINO judges them when the model is compiled.

Values are normalised once, where a config is built (:func:`normalise_property`): OpenVINO reads ``F16`` and
``f16``, ``latency`` and ``LATENCY``, ``"true"`` and ``true`` alike, so the files record one spelling and
two settings are compared by it (:func:`same_property`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hetero_tool._files import read_bytes
from hetero_tool.errors import InputError

__all__ = [
    "INFERENCE_PRECISIONS",
    "OPTION_KEYS",
    "DeviceSettings",
    "normalise_config",
    "normalise_property",
    "parse_per_device",
    "property_text",
    "read_load_config",
    "same_property",
]

T = TypeVar("T")

#: ``INFERENCE_PRECISION_HINT`` values ``--infer-precision`` accepts.
INFERENCE_PRECISIONS = ("f32", "f16", "bf16")
#: The OpenVINO property each per-device option sets.
OPTION_KEYS = {
    "--nstreams": "NUM_STREAMS",
    "--nthreads": "INFERENCE_NUM_THREADS",
    "--infer-precision": "INFERENCE_PRECISION_HINT",
}


#: Properties whose values are names OpenVINO prints upper-case (``LATENCY``, ``AUTO``).
UPPER_CASE_VALUES = frozenset(
    {
        "CACHE_MODE",
        "EXECUTION_MODE_HINT",
        "MODEL_PRIORITY",
        "NUM_STREAMS",
        "PERFORMANCE_HINT",
        "SCHEDULING_CORE_TYPE",
    }
)
#: Properties whose values are element types, which OpenVINO prints lower-case (``f16``, ``bf16``, ``u8``).
LOWER_CASE_VALUES = frozenset(
    {"INFERENCE_PRECISION_HINT", "KEY_CACHE_PRECISION", "KV_CACHE_PRECISION", "VALUE_CACHE_PRECISION"}
)
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}


def normalise_property(key: str, value: Any) -> Any:
    """Property ``key``'s ``value`` in the one spelling the tool records: a boolean as a bool (``"YES"``,
    ``"true"``), a whole number as an int (``"2"``), an element type lower-case (``F16``), the name of a mode
    upper-case (``latency``, ``auto``); anything else as it is.

    Why: OpenVINO reads these spellings alike, so a plan records one of them, deterministically, and a bench
    option that repeats a recorded setting in another spelling does not contradict it.

    Examples
    --------
    >>> [normalise_property(key, value) for key, value in [("INFERENCE_PRECISION_HINT", "F16"),
    ...     ("PERFORMANCE_HINT", "latency"), ("PERF_COUNT", "true"), ("NUM_STREAMS", "2")]]
    ['f16', 'LATENCY', True, 2]
    >>> normalise_property("CACHE_DIR", "Models/Cache")
    'Models/Cache'
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    if text.lstrip("+-").isdigit() and text.isascii():
        return int(text)
    if key in UPPER_CASE_VALUES:
        return text.upper()
    if key in LOWER_CASE_VALUES:
        return text.lower()
    return value


def normalise_config(properties: Mapping[str, Any]) -> dict[str, Any]:
    """``properties`` with every value normalised (:func:`normalise_property`), keys sorted."""
    return {key: normalise_property(key, value) for key, value in sorted(properties.items())}


def same_property(key: str, a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are one setting of property ``key`` to OpenVINO, spelt alike or not.

    Examples
    --------
    >>> same_property("INFERENCE_PRECISION_HINT", "f16", "F16"), same_property("PERF_COUNT", "true", True)
    (True, True)
    >>> same_property("NUM_STREAMS", "2", 1)
    False
    """
    return property_text(normalise_property(key, a)) == property_text(normalise_property(key, b))


def property_text(value: Any) -> str:
    """A property value as OpenVINO reads it from a string: what two settings are compared by.

    Examples
    --------
    >>> property_text(2), property_text("2"), property_text(True)
    ('2', '2', 'YES')
    """
    if isinstance(value, bool):
        return "YES" if value else "NO"
    return str(value)


def parse_per_device(text: str | None, what: str, kind: Callable[[str], T] = str) -> dict[str, T]:
    """benchmark_app's per-device values: ``4`` (key ``""``: every device) or ``CPU:4,NPU:1``, each read as a
    ``kind`` (``str``, or ``int`` for ``--nthreads``).

    Examples
    --------
    >>> parse_per_device("CPU:4,NPU:1", "--nstreams")
    {'CPU': '4', 'NPU': '1'}
    >>> parse_per_device("f32", "--infer-precision")
    {'': 'f32'}
    >>> parse_per_device("CPU:two", "--nthreads", int)
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --nthreads CPU:two: 'two' is not a whole number
    """
    if not text or not text.strip():
        return {}
    pairs = (
        [("", text.strip())] if ":" not in text else [part.partition(":")[::2] for part in text.split(",")]
    )
    values = {}
    for device, value in pairs:
        device, value = device.strip(), value.strip()
        if not value or (":" in text and not device):
            raise InputError(f"{what} {text!r}: give VALUE or DEVICE:VALUE[,DEVICE:VALUE...]")
        try:
            values[device] = kind(value)
        except ValueError:
            shown = f"{device}:{value}" if device else value
            raise InputError(f"{what} {shown}: {value!r} is not a whole number") from None
    return values


def read_load_config(path: str | Path) -> dict[str, dict[str, Any]]:
    """The settings in a ``--load-config`` file: device name -> property -> value (text, number or boolean).

    Why: benchmark_app's format, so one file serves both tools. Errors name the file (and the key).

    Examples
    --------
    >>> _ = (tmp / "cfg.json").write_text('{"NPU": {"INFERENCE_NUM_THREADS": 2}}')
    >>> read_load_config(tmp / "cfg.json")
    {'NPU': {'INFERENCE_NUM_THREADS': 2}}
    >>> _ = (tmp / "bad.json").write_text('{"NPU": 2}')
    >>> read_load_config(tmp / "bad.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hetero_tool.errors.InputError: ...bad.json: 'NPU': expected an object of properties ...
    """
    where = str(path)
    try:
        data = json.loads(read_bytes(path, "config file (--load-config)"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: not valid JSON: {exc}") from None
    example = '{"DEVICE": {"KEY": value}}'
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object of devices, {example}, not {_json_type(data)}")
    for device, properties in data.items():
        if not isinstance(properties, dict):
            raise InputError(
                f"{where}: {device!r}: expected an object of properties ({example}), "
                f"not {_json_type(properties)}"
            )
        for key, value in properties.items():
            if not isinstance(value, str | int | float | bool):
                raise InputError(
                    f"{where}: {device!r}: {key!r}: expected text, a number or a boolean, "
                    f"not {_json_type(value)}"
                )
    return data


@dataclass(frozen=True)
class DeviceSettings:
    """What the user set per device: ``--load-config``'s content, and the per-device options (device name,
    ``""`` for every device -> value).

    Values that cannot run raise :class:`~hetero_tool.errors.InputError` on construction, named by their
    option.

    Examples
    --------
    >>> settings = DeviceSettings(nthreads={"": 2, "NPU": 1}, load_config={"CPU": {"NUM_STREAMS": 2}})
    >>> settings.resolve(["NPU", "CPU"])
    {'NPU': {'INFERENCE_NUM_THREADS': 1}, 'CPU': {'INFERENCE_NUM_THREADS': 2, 'NUM_STREAMS': 2}}
    >>> settings.resolve(["NPU"])
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --load-config: device 'CPU' is not one of the devices (NPU)
    """

    #: ``--load-config``: device name -> property -> value, as the file holds them.
    load_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The file ``load_config`` was read from, for messages.
    load_config_file: str | None = None
    #: ``NUM_STREAMS``, ``INFERENCE_NUM_THREADS`` and ``INFERENCE_PRECISION_HINT`` per device name.
    nstreams: Mapping[str, str] = field(default_factory=dict)
    nthreads: Mapping[str, int] = field(default_factory=dict)
    infer_precision: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for device, value in self.nstreams.items():
            if not (str(value).isdigit() and int(value) > 0) and str(value).upper() != "AUTO":
                raise InputError(
                    f"--nstreams {device + ':' if device else ''}{value}: give a number above 0 or AUTO"
                )
        for device, value in self.infer_precision.items():
            if str(value).lower() not in INFERENCE_PRECISIONS:
                raise InputError(
                    f"--infer-precision {device + ':' if device else ''}{value}: use one of "
                    f"{', '.join(INFERENCE_PRECISIONS)}"
                )
        for device, value in self.nthreads.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"--nthreads {device + ':' if device else ''}{value}: give a number above 0")

    @classmethod
    def from_options(
        cls,
        load_config: str | Path | None = None,
        nstreams: str | None = None,
        nthreads: str | None = None,
        infer_precision: str | None = None,
    ) -> DeviceSettings:
        """The settings as the options give them: a file name and benchmark_app's per-device texts.

        Examples
        --------
        >>> DeviceSettings.from_options(nthreads="NPU:2", infer_precision="f32").of("NPU")
        {'INFERENCE_NUM_THREADS': 2, 'INFERENCE_PRECISION_HINT': 'f32'}
        """
        return cls(
            load_config=read_load_config(load_config) if load_config is not None else {},
            load_config_file=str(load_config) if load_config is not None else None,
            nstreams=parse_per_device(nstreams, "--nstreams"),
            nthreads=parse_per_device(nthreads, "--nthreads", int),
            infer_precision=parse_per_device(infer_precision, "--infer-precision"),
        )

    def __bool__(self) -> bool:
        return bool(self.load_config or self.nstreams or self.nthreads or self.infer_precision)

    def check(self, names: Sequence[str]) -> None:
        """Raise :class:`~hetero_tool.errors.InputError` unless every device named is one of ``names``."""
        shown = ", ".join(names)
        for device in self.load_config:
            if device not in names:
                raise InputError(f"{self._file()}: device {device!r} is not one of the devices ({shown})")
        for option, values in self._options():
            for device in values:
                if device and device not in names:
                    raise InputError(f"{option}: {device} is not one of the plan's devices ({shown})")

    def of(self, name: str) -> dict[str, Any]:
        """The properties set on device ``name``: the file's, then the options' (over them), keys sorted."""
        return {key: value for key, (value, _) in sorted(self.origins(name).items())}

    def origins(self, name: str) -> dict[str, tuple[Any, str]]:
        """Property -> (value, normalised (:func:`normalise_property`); what set it: ``--nthreads NPU:2`` or
        ``--load-config cfg.json``) for device ``name``."""
        found: dict[str, tuple[Any, str]] = {
            key: (normalise_property(key, value), self._file())
            for key, value in self.load_config.get(name, {}).items()
        }
        for option, values in self._options():
            device = name if name in values else "" if "" in values else None
            if device is not None:
                key = OPTION_KEYS[option]
                shown = f"{device}:{values[device]}" if device else str(values[device])
                found[key] = (normalise_property(key, values[device]), f"{option} {shown}")
        return found

    def resolve(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Device name -> the properties set on it, for ``names`` (in their order), after :meth:`check`."""
        self.check(names)
        return {name: self.of(name) for name in names}

    def _options(self) -> list[tuple[str, Mapping[str, Any]]]:
        return [
            ("--nstreams", self.nstreams),
            ("--nthreads", self.nthreads),
            ("--infer-precision", self.infer_precision),
        ]

    def _file(self) -> str:
        return f"--load-config {self.load_config_file}" if self.load_config_file else "--load-config"


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
