"""Iteration order of libstdc++'s ``std::unordered_map`` / ``unordered_set``, which HETERO's output depends
on.

HETERO keeps its subgraphs in a ``std::unordered_map<int, Subgraph>`` and sorts them level by level in that
map's iteration order, so the order of submodels (hence ``subgraph<i>`` in perf counters, and the device of
each compiled submodel) follows how libstdc++ lays out hash buckets. Its affinity dump colours devices by
their position in a ``std::unordered_set<std::string>``. This module replays libstdc++'s bucket policy (GCC 5
and later: prime bucket counts, load factor 1.0, new keys at the front of their bucket's run) for Linux
builds.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable

__all__ = ["unordered_order", "hash_int", "hash_string"]

_MASK64 = (1 << 64) - 1
# _Prime_rehash_policy: the small-size table, then libstdc++'s __prime_list from 17 on (a prefix is plenty).
_FAST_BUCKETS = (2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13)
_PRIMES = (
    17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127, 137, 139,
    149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409, 439, 467, 503, 541,
    577, 619, 661, 709, 761, 823, 887, 953, 1031, 1109, 1193, 1289, 1381, 1493, 1613, 1741, 1879, 2029, 2179,
    2357, 2549, 2753, 2971, 3209, 3469, 3739, 4027, 4349, 4703, 5087, 5503, 5953, 6427, 6949, 7517, 8123,
    8783, 9497, 10273, 11113, 12011, 12983, 14033, 15173, 16411, 17749, 19183, 20753, 22447, 24281, 26267,
    28411, 30727, 33223, 35933, 38873, 42043, 45481, 49201, 53201, 57557, 62233, 67307, 72817, 78779, 85229,
    92203, 99733, 107897, 116731, 126271, 136607, 147793, 159871, 172933, 187091, 202409, 218971, 236897,
    256279, 277261, 299951, 324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841, 608903, 658753,
    712697, 771049, 834181, 902483, 976369, 1056323, 1142821, 1236397, 1337629, 1447153, 1565659, 1693859,
    1832561, 1982627, 2144977,
)  # fmt: skip


def hash_int(key: int) -> int:
    """``std::hash<int>``: the value itself, as a ``size_t``."""
    return key & _MASK64


def hash_string(text: str) -> int:
    """``std::hash<std::string>`` on 64-bit libstdc++: ``_Hash_bytes(data, len, 0xc70f6907)``
    (MurmurHash64A)."""
    data = text.encode()
    mul = 0xC6A4A7935BD1E995
    h = (0xC70F6907 ^ (len(data) * mul)) & _MASK64
    aligned = len(data) & ~7
    for i in range(0, aligned, 8):
        k = (int.from_bytes(data[i : i + 8], "little") * mul) & _MASK64
        h = ((h ^ ((k ^ (k >> 47)) * mul & _MASK64)) * mul) & _MASK64
    if len(data) & 7:
        h = ((h ^ int.from_bytes(data[aligned:], "little")) * mul) & _MASK64
    h = ((h ^ (h >> 47)) * mul) & _MASK64
    return h ^ (h >> 47)


def _next_bucket_count(n: int) -> int:
    if n < len(_FAST_BUCKETS):
        return _FAST_BUCKETS[n]
    return _PRIMES[bisect.bisect_left(_PRIMES, n)]


def unordered_order(keys: Iterable[Hashable], hash_fn: Callable = hash_int) -> list:
    """Iteration order of a libstdc++ unordered container after inserting ``keys`` in order (repeats ignored).

    libstdc++ keeps all nodes in one singly linked list in which each bucket's nodes are contiguous: a key for
    an empty bucket goes to the very front, any other key to the front of its bucket's run, and a rehash
    rebuilds the list bucket run by bucket run. Here the list is kept as runs (front first).

    Examples
    --------
    >>> unordered_order([1, 0, 3, 4])  # with few small keys, the newest comes first
    [4, 3, 0, 1]
    >>> unordered_order(["CPUX", "CPU"], hash_string)
    ['CPU', 'CPUX']
    """
    hashes: dict = {}
    buckets = 1
    next_resize = 0
    runs: dict[int, deque] = {}  # bucket -> its keys, front first
    heads: deque = deque()  # buckets in list order, front first
    for key in keys:
        if key in hashes:
            continue
        # _M_need_rehash(buckets, size, 1)
        if len(hashes) + 1 > next_resize:
            min_buckets = max(len(hashes) + 1, 11 if next_resize == 0 else 0)
            if min_buckets >= buckets:
                buckets = _next_bucket_count(max(math.floor(min_buckets) + 1, buckets * 2))
                heads, runs = _rehashed([k for b in heads for k in runs[b]], hashes, buckets)
            next_resize = buckets  # floor(buckets * max_load_factor 1.0)
        hashes[key] = hash_fn(key)
        _place(key, hashes[key] % buckets, heads, runs)
    return [key for bucket in heads for key in runs[bucket]]


def _place(key: Hashable, bucket: int, heads: deque, runs: dict[int, deque]) -> None:
    """A key for an empty bucket opens a run at the very front; any other goes to the front of its run."""
    if bucket in runs:
        runs[bucket].appendleft(key)
    else:
        runs[bucket] = deque([key])
        heads.appendleft(bucket)


def _rehashed(order: list, hashes: dict, buckets: int) -> tuple[deque, dict[int, deque]]:
    """``_M_rehash_aux`` for unique keys: the old list, walked in order, placed again (as :func:`_place`)."""
    heads: deque = deque()
    runs: dict[int, deque] = {}
    for key in order:
        _place(key, hashes[key] % buckets, heads, runs)
    return heads, runs
