"""The replayed libstdc++ hash-container order equals the real one (HETERO's submodel order depends on it)."""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from hetero_tool.partition.libstdcxx import hash_string, unordered_order

_PROGRAM = r"""
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line.substr(2));
        if (line[0] == 'i') {
            std::unordered_map<long long, int> map;
            long long key;
            while (in >> key) map[key];
            for (auto& kv : map) std::cout << kv.first << ' ';
        } else {
            std::unordered_set<std::string> set;
            std::string key;
            while (in >> key) set.insert(key);
            for (auto& k : set) std::cout << k << ' ' << std::hash<std::string>{}(k) << ' ';
        }
        std::cout << '\n';
    }
}
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("g++ is not installed: nothing to compare libstdc++'s order with")
    work = tmp_path_factory.mktemp("libstdcxx")
    (work / "order.cpp").write_text(_PROGRAM)
    subprocess.run([compiler, "-O1", "-o", str(work / "order"), str(work / "order.cpp")], check=True)
    return work / "order"


def test_int_map_order_matches_libstdcxx(reference):
    rng = random.Random(7)
    cases = []
    for _ in range(400):
        n = rng.choice([1, 2, 3, 5, 10, 13, 14, 15, 20, 30, 50, 100, 300])
        cases.append([rng.randrange(0, 3 * n + 5) for _ in range(n)])
    stdin = "".join("i " + " ".join(map(str, keys)) + "\n" for keys in cases)
    lines = subprocess.run(
        [str(reference)], input=stdin, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for keys, line in zip(cases, lines, strict=True):
        assert unordered_order(keys) == [int(k) for k in line.split()], keys


def test_string_set_order_and_hash_match_libstdcxx(reference):
    rng = random.Random(11)
    cases = [
        [
            f"{rng.choice(['CPU', 'GPU', 'NPU', 'CPUX'])}{rng.choice(['', '.0', '.1', '_CPU'])}"
            f"{rng.randrange(100)}"
            for _ in range(rng.choice([1, 2, 3, 5, 14, 20]))
        ]
        for _ in range(200)
    ]
    stdin = "".join("s " + " ".join(keys) + "\n" for keys in cases)
    lines = subprocess.run(
        [str(reference)], input=stdin, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for keys, line in zip(cases, lines, strict=True):
        fields = line.split()
        names, hashes = fields[0::2], [int(h) for h in fields[1::2]]
        assert unordered_order(keys, hash_string) == names, keys
        assert [hash_string(name) for name in names] == hashes
