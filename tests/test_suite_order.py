"""The suite's own scheduling (tests/conftest.py, issue #17): the slow-first order keeps
every test exactly once, keeps a slow file's tests together on one worker's part, and
shares the slow blocks between the parts by cost."""

from itertools import pairwise

from conftest import SLOW_FILES, SLOW_TESTS, slow_first


class _Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid


def _collection():
    """Plain tests around every slow file and test of the tables, in collection order."""
    ids = [f"tests/test_a.py::t{i}" for i in range(30)]
    for path in SLOW_FILES:
        ids += [f"{path}::f{i}" for i in range(4)]
    for key in SLOW_TESTS:
        ids += [f"{key}e{i}" for i in range(7)] if key.endswith("::") else [key, key + "_not"]
    ids += [f"tests/test_z.py::t{i}" for i in range(60)]
    return [_Item(i) for i in ids]


def _cost(part):
    """The slow cost a part carries, by the tables (worked out here, not by slow_first)."""
    total, files = 0, set()
    for item in part:
        path = item.nodeid.split("::")[0]
        if path in SLOW_FILES:
            if path not in files:
                total += SLOW_FILES[path]
            files.add(path)
        elif item.nodeid in SLOW_TESTS:
            total += SLOW_TESTS[item.nodeid]
        elif path + "::" in SLOW_TESTS:
            total += SLOW_TESTS[path + "::"]
    return total


def test_slow_first_keeps_every_test_and_puts_the_slow_ones_first_in_each_part():
    items = _collection()
    for parts in (2, 3):
        out = slow_first(items, parts)
        assert sorted(id(i) for i in out) == sorted(id(i) for i in items)  # each once
        n = len(out)
        bounds = [0]
        for k in range(parts):  # xdist's worksteal split: len(pending) // nodes left
            bounds.append(bounds[-1] + (n - bounds[-1]) // (parts - k))
        chunks = [out[a:b] for a, b in pairwise(bounds)]
        for path in SLOW_FILES:  # a slow file's tests: all in one part, in their order
            holders = [c for c in chunks if any(i.nodeid.startswith(path) for i in c)]
            assert len(holders) == 1
            where = [items.index(i) for i in holders[0] if i.nodeid.startswith(path)]
            assert where == sorted(where) and len(where) == sum(
                i.nodeid.startswith(path) for i in items)
        for chunk in chunks:  # slow tests first, then the others in collection order
            slow = [_cost([i]) > 0 for i in chunk]
            assert slow == sorted(slow, reverse=True)
            rest = [items.index(i) for i in chunk if _cost([i]) == 0]
            assert rest == sorted(rest)
        costs = [_cost(c) for c in chunks]
        biggest = max([*SLOW_FILES.values(), *SLOW_TESTS.values()])
        assert max(costs) - min(costs) <= biggest, costs  # shared by cost
    assert slow_first(items, 1) == items
