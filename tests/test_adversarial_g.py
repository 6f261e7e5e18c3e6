"""Adversarial round of stop 62 (benchmarks/results/adversarial-2026-12-07.md): each test
is a probe of a mechanism stop 61 landed that raised, left state behind or gave another
answer than the full path before its fix."""

import builtins
import io

from qsym import _trace


def test_a_print_looked_up_during_a_replay_still_prints_after_the_last_replay_ends():
    # another thread's ``print`` resolved to the replays' stand-in just before the last
    # replay ended, and called just after: it raised KeyError('print') (the original was
    # popped at the last exit), so a program printing in one thread while another thread
    # traced QNodes lost prints with a KeyError (176,880 in 3 s of two looping threads)
    buf = io.StringIO()
    with _trace.silenced():
        stand_in = builtins.print
    stand_in("shown", file=buf)  # (this thread is not silenced any more)
    assert buf.getvalue() == "shown\n"
    assert builtins.print is not stand_in  # (restored)
