"""Timing compiled models the way benchmark_app does: sync or async requests, warm-up, by time or count.

A :class:`Timer` holds one candidate's requests and the latencies measured so far, so a bench can time several
candidates in interleaved rounds (each round a slice of every candidate's budget) and machine noise falls on
all of them alike. Input data is set on the requests once, before timing (benchmark_app's default for static
models, ``-inference_only``): the timed loop measures inference only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import BackendError, InputError
from hetero_tool.runtime.results import APIS, LatencyStats

__all__ = ["Timer", "Timing", "latency_stats", "set_inputs"]


@dataclass(frozen=True)
class Timing:
    """What a :class:`Timer` measured."""

    #: Latency of every timed inference, in completion order.
    latencies_ms: tuple[float, ...]
    #: Wall time of the timed inferences (summed over the slices), in seconds.
    duration_s: float
    #: Latency of the first (warm-up) inference, ``None`` without warm-up.
    first_inference_ms: float | None
    #: Requests used (1 with the sync API).
    nireq: int

    @property
    def iterations(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput_fps(self) -> float:
        """Inferences per second over the timed wall time (benchmark_app's figure, batch 1)."""
        return self.iterations / self.duration_s if self.duration_s > 0 else 0.0

    def stats(self) -> LatencyStats:
        return latency_stats(self.latencies_ms)


def latency_stats(latencies_ms: Sequence[float]) -> LatencyStats:
    """Median, average, min, max, 90th and 99th percentile of ``latencies_ms``.

    Percentiles are benchmark_app's: the value at rank ``ceil(p / 100 * n)`` of the sorted latencies (so
    the 50th percentile of an even count is the lower middle value, as benchmark_app prints it).

    Examples
    --------
    >>> latency_stats([4.0, 1.0, 3.0, 2.0])
    LatencyStats(median_ms=2.0, average_ms=2.5, min_ms=1.0, max_ms=4.0, p90_ms=4.0, p99_ms=4.0)
    """
    if not latencies_ms:
        raise ValueError("no latencies")
    ordered = sorted(latencies_ms)

    def percentile(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return LatencyStats(
        median_ms=percentile(50),
        average_ms=sum(ordered) / len(ordered),
        min_ms=ordered[0],
        max_ms=ordered[-1],
        p90_ms=percentile(90),
        p99_ms=percentile(99),
    )


class Timer:
    """Times one compiled model: sync (one request) or async (``nireq`` requests in flight).

    ``inputs`` maps input names (any tensor name or the friendly name of the Parameter) or indexes to arrays;
    they are copied into every request once. :meth:`warm_up` runs the first, untimed inference; each
    :meth:`run` call times one slice and adds to the totals; :meth:`timing` returns them.

    Examples
    --------
    >>> import numpy as np, openvino as ov, openvino.opset13 as ops
    >>> x = ops.parameter([1, 8], np.float32, name="x")
    >>> compiled = ov.Core().compile_model(ov.Model([ops.relu(x)], [x], "tiny"), "CPU")
    >>> timer = Timer(compiled, {"x": np.ones((1, 8), np.float32)})
    >>> first = timer.warm_up()
    >>> timer.run(iterations=20)
    >>> timer.run(iterations=20)
    >>> timing = timer.timing()
    >>> timing.iterations, timing.nireq, timing.first_inference_ms == first
    (40, 1, True)
    """

    def __init__(self, compiled, inputs: Mapping[str | int, Any], *, api: str = "sync", nireq: int = 0):
        import openvino as ov

        if api not in APIS:
            raise InputError(f"--api {api}: use one of {', '.join(APIS)}")
        self.api = api
        if api == "sync":
            self._requests = [compiled.create_infer_request()]
            self._queue = None
        else:
            count = nireq or int(compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
            self._queue = ov.AsyncInferQueue(compiled, max(1, count))
            self._requests = [self._queue[k] for k in range(len(self._queue))]
            self._queue.set_callback(self._done)
        for request in self._requests:
            set_inputs(compiled, request, inputs)
        self._latencies: list[float] = []
        self._duration = 0.0
        self._first: float | None = None

    def warm_up(self) -> float:
        """Run the first inference (untimed in the results, but reported); return its latency in ms."""
        start = time.perf_counter()
        self._requests[0].infer()
        self._first = 1e3 * (time.perf_counter() - start)
        return self._first

    def run(
        self,
        *,
        seconds: float | None = None,
        iterations: int | None = None,
        tick: Callable[[int], None] | None = None,
    ) -> None:
        """Time inferences until ``seconds`` have passed or ``iterations`` are done (exactly one is given).

        ``tick(n)`` is called now and then with the inferences completed since the last call (for a progress
        bar).
        """
        if (seconds is None) == (iterations is None):
            raise ValueError("give seconds or iterations")
        if self._queue is None:
            self._run_sync(seconds, iterations, tick)
        else:
            self._run_async(seconds, iterations, tick)

    def timing(self) -> Timing:
        return Timing(tuple(self._latencies), self._duration, self._first, len(self._requests))

    @property
    def requests(self) -> list:
        """The infer requests (for reading outputs or perf counters)."""
        return self._requests

    def _run_sync(self, seconds, iterations, tick) -> None:
        request, latencies = self._requests[0], self._latencies
        clock = time.perf_counter
        begin = clock()
        deadline = begin + seconds if seconds is not None else math.inf
        limit = iterations if iterations is not None else math.inf
        done = reported = 0
        now = begin
        while done < limit and now < deadline:
            start = clock()
            request.infer()
            now = clock()
            latencies.append(1e3 * (now - start))
            done += 1
            if tick is not None and now - begin > 0.1 * (reported + 1):
                tick(done - reported)
                reported = done
        self._duration += now - begin
        if tick is not None and done > reported:
            tick(done - reported)

    def _run_async(self, seconds, iterations, tick) -> None:
        queue = self._queue
        clock = time.perf_counter
        begin = clock()
        deadline = begin + seconds if seconds is not None else math.inf
        limit = iterations if iterations is not None else math.inf
        before = len(self._latencies)
        started = reported = 0
        while started < limit and clock() < deadline:
            queue.start_async()
            started += 1
            if tick is not None:
                completed = len(self._latencies) - before
                if completed - reported >= 16:
                    tick(completed - reported)
                    reported = completed
        queue.wait_all()
        self._duration += clock() - begin
        if tick is not None:
            tick(len(self._latencies) - before - reported)

    def _done(self, request, _userdata) -> None:
        # InferRequest.latency: OpenVINO's own start_async-to-callback time of this request, in ms.
        self._latencies.append(request.latency)


def set_inputs(compiled, request, inputs: Mapping[str | int, Any]) -> None:
    """Bind ``inputs`` (input name, any tensor name or the Parameter's friendly name, or index -> array) to
    ``request`` as tensors of their own shape, so dynamic-shape inputs take the array's shape.

    Raises :class:`~hetero_tool.errors.InputError` for a name or index the model does not have, and
    :class:`~hetero_tool.errors.BackendError` when OpenVINO refuses an array.
    """
    import numpy as np
    import openvino as ov

    for key, array in inputs.items():
        port = _input_port(compiled, key)
        try:
            request.set_tensor(port, ov.Tensor(np.require(array, requirements="C")))  # keeps 0-d arrays 0-d
        except Exception as exc:
            raise BackendError(f"cannot set input {key!r}: {ov_error_text(exc)}") from exc


def _input_port(compiled, key: str | int):
    if isinstance(key, int):
        if not 0 <= key < len(compiled.inputs):
            raise InputError(f"input {key}: the model has {len(compiled.inputs)} inputs")
        return compiled.inputs[key]
    for port in compiled.inputs:
        if key in port.get_names() or port.get_node().get_friendly_name() == key:
            return port
    names = sorted(n for port in compiled.inputs for n in port.get_names())
    raise InputError(f"input {key!r}: the model has no input of that name (it has {', '.join(names)})")
