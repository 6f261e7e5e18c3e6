"""The one "a thread-local value for a ``with`` block" helper (qsym._trace.thread_setting)
and the context managers built on it: inside, the value is set on this thread only;
after, the value before is back, however the block ends; two threads each inside their
own block see their own value (a barrier makes both blocks open at the same time)."""

from __future__ import annotations

import threading

import pytest

from qsym._mcm import by_transform, deferring_by_transform, native_method, running_natively
from qsym._shots import discarding_as, discarding_method, fills_shots, filling_shots
from qsym._trace import thread_setting


def test_value_inside_and_restored_after_an_exception():
    where = threading.local()
    where.v = "outer"
    with pytest.raises(KeyError):
        with thread_setting(where, "v", "inner"):
            assert where.v == "inner"
            with thread_setting(where, "v", "innermost"):
                assert where.v == "innermost"
            assert where.v == "inner"
            raise KeyError("leave")
    assert where.v == "outer"
    with thread_setting(where, "w", 1):
        assert where.w == 1
    assert not hasattr(where, "w")


@pytest.mark.parametrize("manager, read, values, default", [
    (discarding_as, discarding_method, ("one-shot", "tree-traversal"), None),
    (lambda v: deferring_by_transform({"method": v, "shots": None}), lambda: by_transform(user=False),
     ("deferred", None), False),
])
def test_two_threads_each_see_their_own_value(manager, read, values, default):
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def work(k):
        with manager(values[k]):
            barrier.wait()  # both blocks are open now
            seen[k] = read()
            barrier.wait()
        seen[k, "after"] = read()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[0, "after"] == seen[1, "after"] == default
    if read is discarding_method:
        assert (seen[0], seen[1]) == values
    else:  # "deferred" is by the tape transform; None is by qsym's own deferral
        assert (seen[0], seen[1]) == (True, False)


@pytest.mark.parametrize("manager, read", [(filling_shots, fills_shots), (running_natively, native_method)])
def test_flag_set_in_one_thread_only(manager, read):
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def inside():
        with manager():
            barrier.wait()
            seen["inside"] = read()
            barrier.wait()

    def outside():
        barrier.wait()
        seen["outside"] = read()
        barrier.wait()

    threads = [threading.Thread(target=inside), threading.Thread(target=outside)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"inside": True, "outside": False}
    assert read() is False
