"""The plain-arithmetic check of shipped gate code (issue #17): the line grammar
(``emit._plain_text``, a few regular expressions) that reads most gate code in a fraction of
the time of parsing and walking it (``emit._plain_arithmetic``) accepts only what the walk
accepts, so the check as a whole (``emit._plain_lines``) is exactly as strict as the walk.

The reference is the walk of Python's own parse (``ast``), never the grammar; the texts are
every gate code qsym ships and random mutations of them (characters and tokens a forger
would use inserted, deleted, replaced).
"""

import ast
import json
import random
import warnings
from pathlib import Path

import pytest

from qsym import _emit as emit

SHIPPED = json.loads((Path(emit.__file__).parent / "gate_records.json").read_text())
CODES = [v for v in SHIPPED.values()
         if isinstance(v, list) and v and all(isinstance(x, str) for x in v)
         and any(x.startswith("out[off + ") for x in v)]

# what a forger would splice in: names, calls, tuples, subscripts, powers, other literals
TOKENS = ["**", "**2", "**17", "**-2", "**p0", "**2**2", "math.pi", "math.sin", "complex(",
          "complex", "(", ")", ", ", "(1, 2)", "__import__('os')", "p0", "p01", "_q_c1", "x",
          "out", "[0]", ".real", "1j", "1e5", "1.", "01", "0x1", "1_0", "@", "$", " = ",
          "=", ";", "\n", "\r", "\t", " ", "#", "'", "lambda: 0", "ｐ0", "٣", "-", "--",
          " + ", " - ", "*", "/", "//", "%", "math.pi(1)", "p0(1)", "math.atan2(1, 2)",
          "out[off + 0] = ", "_q_c0 = ", "p0 = "]
# and what keeps it plain arithmetic of the printed form
BENIGN = ["p0", "p12", "_q_c3", "-", " + p1", " - _q_c0", "*2", "/3", "**2", "**-16", "**16",
          "(", ")", "math.cos(", "complex(", ", ", "1.5e-3", "0", "7", "math.pi", "-(p0)"]


def walk_accepts(text: str) -> bool:
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" and the like
            warnings.simplefilter("ignore", SyntaxWarning)
            return emit._plain_arithmetic(ast.parse(text))
    except SyntaxError:
        return False


def mutate(rng: random.Random, lines: list) -> str:
    text = "\n".join(lines[:rng.randint(1, 8)])
    tokens = BENIGN if rng.random() < 0.5 else TOKENS
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(text) + 1)
        what = rng.random()
        if what < 0.5:
            text = text[:i] + rng.choice(tokens) + text[i:]
        elif what < 0.8:
            text = text[:i] + text[i + rng.randint(1, 3):]
        else:
            text = text[:i] + rng.choice(tokens) + text[i + rng.randint(1, 3):]
    return text


def test_the_grammar_reads_every_shipped_gate_code():
    """Else the fast path would never run (and this file would test nothing)."""
    assert len(CODES) > 50
    assert all(emit._plain_text("\n".join(code)) for code in CODES)
    assert max(map(len, CODES)) >= emit._GRAMMAR_MIN_LINES  # DoubleExcitation's 259 lines


@pytest.mark.parametrize("text", [
    "out[off + 0] = p0**p1", "out[off + 0] = p0**2**2", "out[off + 0] = p0**17",
    "out[off + 0] = p0**2.5", "_q_c0 = __import__('os')", "_q_c0 = (1, 2)",
    "_q_c0 = math.sin", "_q_c0 = complex", "p0 = 1", "_q_c0 = 1j", "_q_c0 = p0(1)",
    "out[off + 01] = 1", "out[off + 0] = 1; p0 = 2", "_q_c0 = p0 # x", "_q_c0 = p0.real",
    "_q_c0 = x", "out[0] = 1", "_q_c0 = math.floor(1)", "_q_c0 = ｐ0", "_q_c0 = 1 // 2",
    "_q_c0 = 1 % 2", "_q_c0 = p0 @ p1", "$_q_c0 = 1", "_q_c0 = lambda: 0",
    "_q_c0 = (1\n)", "_q_c0 = 1\r_q_c1 = 2", " _q_c0 = 1", "_q_c0 = p0\n\n_q_c1 = 1",
])
def test_the_grammar_refuses_what_is_not_its_own(text):
    """Not plain arithmetic, or not printed gate code's form: the grammar says no (for the
    last few the walk decides)."""
    assert not emit._plain_text(text)
    assert emit._plain_lines(text.split("\n")) == walk_accepts(text)


def test_the_grammar_accepts_only_what_the_walk_accepts():
    rng = random.Random(1729)
    accepted = walked = 0
    with warnings.catch_warnings():  # the walk's parse of odd literals
        warnings.simplefilter("ignore", SyntaxWarning)
        for _ in range(3000):
            text = mutate(rng, rng.choice(CODES))
            walk = walk_accepts(text)
            walked += walk
            if emit._plain_text(text):
                accepted += 1
                assert walk, text
            assert emit._plain_lines(text.split("\n")) == walk, text
    # mutations the grammar reads were tried too (what else the walk accepts is other
    # spacing, empty calls, trailing commas: the walk reads those)
    assert accepted > 30 and walked > accepted, (accepted, walked)
