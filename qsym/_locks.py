"""qsym's locks, made free again in a forked child.

A fork (``multiprocessing``'s default on Linux, ``os.fork``) copies only the thread that
forks: a lock another thread held at that moment stays held in the child by a thread that
does not exist there, and the child's first call that takes it waits forever (a folder
check, a file digest, a kernel launch, a first compile). Every process-wide or per-object
lock of qsym is made here; a handler registered with ``os.register_at_fork`` gives each
back free in the child (``_at_fork_reinit``, what CPython's own ``threading``,
``logging`` and ``concurrent.futures`` do for theirs). What a lock guards is published
only when complete, so the child does again whatever the lost thread was doing.

A reentrant lock the forking thread itself holds (a fork from inside code qsym runs under
it: a user's function traced under the per-call lock) is left as it is: that thread goes
on in the child and releases it. qsym forks under none of its plain locks (its own child
processes are ``subprocess.Popen`` without ``preexec_fn``, which runs no fork handlers).

>>> from qsym._locks import new_lock, new_rlock
>>> with new_lock():
...     pass
>>> lock = new_rlock()
>>> with lock, lock:
...     pass
"""

from __future__ import annotations

import os
import threading
import weakref

_LOCKS: weakref.WeakSet = weakref.WeakSet()  # every lock made below, while it lives
_RLOCK = type(threading.RLock())


OWN_THREADS = "qsym"  # the start of the names of qsym's own threads (kernel loads, warm-up,
#                       deferred cache writes): they neither draw random numbers nor print


def no_other_threads() -> bool:
    """Whether no thread is alive besides the calling one and qsym's own (named
    ``OWN_THREADS ...``): then a change of NumPy's global random state during a call was the
    call's own doing (a user's thread may have drawn otherwise).

    >>> isinstance(no_other_threads(), bool)
    True
    """
    if threading.active_count() == 1:
        return True
    me = threading.current_thread()
    return all(t is me or t.name.startswith(OWN_THREADS) for t in threading.enumerate())


def new_lock() -> threading.Lock:
    """A ``threading.Lock`` that a forked child gets back free."""
    lock = threading.Lock()
    _LOCKS.add(lock)
    return lock


def new_rlock() -> threading.RLock:
    """A ``threading.RLock`` that a forked child gets back free (unless the forking thread
    holds it: that thread releases it in the child)."""
    lock = threading.RLock()
    _LOCKS.add(lock)
    return lock


def _free_in_child() -> None:
    for lock in list(_LOCKS):
        if isinstance(lock, _RLOCK) and lock._is_owned():
            continue  # held by the thread that forked, which goes on here and releases it
        lock._at_fork_reinit()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_free_in_child)
