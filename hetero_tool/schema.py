"""The files the tool writes and reads back, in one style: typed records, one reader, one writer.

A plan, a bench result, a cost profile and the Model Explorer files are each a tree of small typed records
(dataclasses or ``msgspec.Struct``), declared by the stage that owns them; the views' JSON twins are plain
dicts. This module writes all of them, and reads the first three back, with
`msgspec <https://jcristharif.com/msgspec/>`_: it encodes in C (tens of milliseconds for a 25,000-layer
plan) and validates what it reads against the same types, constraints included (:data:`Count`,
:data:`Milliseconds`), so a bad file is refused with one line naming the file and the field::

    plan.json: not a hetero-tool plan: layers[3].id: expected `int`, got `str`

A :class:`Schema` describes each kind of file read back (plan, bench result, cost profile). Fields the records
do not declare are ignored, so a file a newer version of the tool wrote, with fields added, still reads.
(The query cache and benchmark_app's own report layout are not the tool's files and keep the standard
library's ``json``.)

Files are written atomically (a reader sees the old file or the new one) and end with a newline; indented
JSON for files people read (plans, results, profiles), compact for files only a viewer reads. Key order is the
fields' order and every mapping's own order, with no timestamps, so the same data gives the same bytes.
Floats must be finite: JSON has no infinity (a record that can lack a number uses ``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from hetero_tool._files import read_bytes, write_all_atomic, write_atomic
from hetero_tool._gc import paused_gc
from hetero_tool.errors import InputError

__all__ = [
    "Count",
    "Milliseconds",
    "NonNegative",
    "Schema",
    "encode_document",
    "json_data",
    "write_document",
    "write_documents",
]

#: A whole number >= 0 (iterations, counts, bytes, indexes).
Count = Annotated[int, msgspec.Meta(ge=0)]
#: A number >= 0.
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
#: A time in milliseconds (>= 0).
Milliseconds = NonNegative

R = TypeVar("R")
T = TypeVar("T")


class _Header(msgspec.Struct):
    """What every versioned document holds, read on its own when the document fails to validate."""

    schema_version: Any = None


def encode_document(document: Any, *, indent: int | None = 2) -> bytes:
    """``document`` as JSON bytes with a final newline: indented by ``indent`` spaces, or compact for
    ``None``.

    Examples
    --------
    >>> encode_document({"schema_version": 1, "ids": [3, 4]}, indent=None)
    b'{"schema_version":1,"ids":[3,4]}\\n'
    """
    data = msgspec.json.encode(document)
    if indent is not None:
        data = msgspec.json.format(data, indent=indent)
    return data + b"\n"


@dataclass(frozen=True)
class Schema(Generic[R, T]):
    """A kind of file the tool reads back: the record its JSON decodes into, what it is called, its
    ``schema_version``, and how a record becomes the tool's own object.

    Every way in (:meth:`read` a file, :meth:`decode` bytes, :meth:`convert` JSON data) validates the same way
    and fails with one :class:`~hetero_tool.errors.InputError` line naming the document and the field. A
    document of another ``schema_version`` is refused as such, before its fields are blamed; ``build`` may
    refuse a record too (cross-field checks), and is named the same way.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Point:
    ...     x: Count
    >>> points = Schema("point", Point, build=lambda record: record.x)
    >>> points.decode(b'{"x": 3}', where="p.json")
    3
    >>> points.decode(b'{"x": -1}', where="p.json")
    Traceback (most recent call last):
    hetero_tool.errors.InputError: p.json: not a hetero-tool point: x: expected `int` >= 0
    """

    #: What the file is, in messages: ``"plan"`` ("not a hetero-tool plan", "no such plan").
    what: str
    #: The record type its JSON decodes into: dataclasses and ``msgspec.Struct`` s, with constraints.
    record: type[R]
    #: The ``schema_version`` this version of the tool reads (``None``: the file has none).
    version: int | None = None
    #: The record into the tool's own object.
    build: Callable[[R], T] = field(default=lambda record: record)

    def read(self, path: str | Path) -> T:
        """The object in file ``path``; a missing file is an error too."""
        return self.decode(read_bytes(path, self.what), where=str(path))

    def convert(self, data: Any, *, where: str) -> T:
        """The object in JSON data (``to_json`` output, or what ``json.loads`` read), validated as a file
        is."""
        return self.decode(msgspec.json.encode(data), where=where)

    def decode(self, data: bytes, *, where: str) -> T:
        """The object in JSON ``data`` read from ``where`` (a file name, for messages)."""
        try:
            with paused_gc():  # many small records, no cycles among them
                return self.build(msgspec.json.decode(data, type=self.record))
        except msgspec.ValidationError as exc:
            self._check_version(data, where)
            raise InputError(f"{where}: not a hetero-tool {self.what}: {_field_message(exc)}") from None
        except msgspec.DecodeError as exc:
            raise InputError(f"{where}: not valid JSON: {exc}") from None
        except InputError as exc:  # a record's own checks, or build's
            self._check_version(data, where)
            raise InputError(f"{where}: not a hetero-tool {self.what}: {exc}") from None

    def _check_version(self, data: bytes, where: str) -> None:
        try:
            found = msgspec.json.decode(data, type=_Header).schema_version
        except msgspec.DecodeError:
            return
        if self.version is not None and found is not None and found != self.version:
            raise InputError(
                f"{where}: schema_version {found!r} is not {self.version}: the {self.what} was written by "
                f"another version of hetero-tool; make it again with this one"
            )


def json_data(document: Any) -> Any:
    """``document`` as JSON data: dicts, lists, text and numbers, exactly what ``json.loads`` reads back from
    its file (mapping keys as text).

    Examples
    --------
    >>> json_data({"layer_ms": {7: 0.5}, "ids": (3, 4)})
    {'layer_ms': {'7': 0.5}, 'ids': [3, 4]}
    """
    return msgspec.json.decode(msgspec.json.encode(document))


def write_document(
    path: str | Path, document: Any, *, indent: int | None = 2, inputs: Iterable[str | Path | None] = ()
) -> Path:
    """Write ``document`` to ``path`` atomically, never over one of ``inputs``
    (:func:`~hetero_tool._files.write_atomic`); return the path."""
    return write_atomic(path, encode_document(document, indent=indent), inputs=inputs)


def write_documents(
    documents: Mapping[Path, Any], *, indent: int | None = 2, inputs: Iterable[str | Path | None] = ()
) -> None:
    """Write each document to its path, all or none, never over one of ``inputs``
    (:func:`~hetero_tool._files.write_all_atomic`).

    Everything is encoded before anything is written, so a document that cannot be encoded leaves no file.
    """
    encoded = {Path(path): encode_document(document, indent=indent) for path, document in documents.items()}
    write_all_atomic(encoded, inputs=inputs)


def _field_message(exc: msgspec.ValidationError) -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.layers[3].id```
    as ``layers[3].id: expected `int`, got `str```."""
    text = str(exc)
    problem, sep, place = text.rpartition(" - at `")
    if not sep:
        problem, place = text, ""
    problem = problem[:1].lower() + problem[1:]
    at = place.rstrip("`").removeprefix("$").removeprefix(".")
    if at.startswith("key") and " in `$" in at:  # "key` in `$.layer_ms": a bad key of a mapping
        at = at.split("`$", 1)[1].lstrip(".") + " (a key)"
    return f"{at}: {problem}" if at else problem
