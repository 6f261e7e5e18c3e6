"""The structural hash writes numbers exactly and fast (qsym._ir._exact_text): two
circuits hash alike exactly when their parameters and coefficients are the same numbers."""

import math

import sympy as sp

from qsym._ir import Circuit, Measurement, Op, structural_hash


def _circuit(angle, coeff):
    return Circuit(1, (Op("RX", (0,), (sp.Float(angle),)),),
                   (Measurement("expval", ((sp.Float(coeff), ((0, "Z"),)),)),))


def test_numbers_one_ulp_apart_hash_apart():
    a, c = 0.1, 0.7
    base = structural_hash(_circuit(a, c))
    assert base == structural_hash(_circuit(a, c))
    assert base != structural_hash(_circuit(math.nextafter(a, 1), c))
    assert base != structural_hash(_circuit(a, math.nextafter(c, 1)))
    assert base != structural_hash(_circuit(-a, c))


def test_a_number_and_an_expression_hash_apart():
    x = sp.Symbol("x", real=True)
    one = Circuit(1, (Op("RX", (0,), (sp.Integer(1),)),),
                  (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),))
    expr = Circuit(1, (Op("RX", (0,), (x - x + 1,)),),
                   (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),))
    assert structural_hash(one) == structural_hash(expr)  # x - x + 1 is 1 to sympy
    half = Circuit(1, (Op("RX", (0,), (sp.Rational(1, 2),)),),
                   (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),))
    fhalf = Circuit(1, (Op("RX", (0,), (sp.Float(0.5),)),),
                    (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),))
    assert structural_hash(half) != structural_hash(fhalf)  # exact 1/2 is not the float


def test_the_text_is_one_to_one_as_srepr_is():
    """``_exact_text`` against sympy's own ``srepr`` on random expressions (sums,
    products, powers, sympy's functions of symbols with and without assumptions, floats,
    integers, rationals, constants): two expressions get the same text exactly when their
    ``srepr`` is the same; and an expression built two ways gets one text."""
    import random

    from qsym._ir import _exact_text

    x, y = sp.symbols("x y", real=True)
    rnd = random.Random(7)
    atoms = [x, y, sp.Symbol("x"), sp.Float(0.1), sp.Float(-2.5), sp.Integer(3),
             sp.Integer(-1), sp.Rational(1, 3), sp.Rational(-1, 3), sp.pi, sp.I]

    def gen(depth):
        if depth == 0:
            return rnd.choice(atoms)
        a, b = gen(depth - 1), gen(depth - 1)
        return rnd.choice([a + b, a * b, a - b, sp.sin(a), sp.cos(b) * a, sp.exp(a) + b,
                           a ** 2 + b, a ** b, sp.sqrt(sp.Abs(a)) / (b + 5)])

    exprs = [gen(rnd.randrange(4)) for _ in range(250)]
    by_text, by_srepr = {}, {}
    for e in exprs:
        by_text.setdefault(_exact_text(e), set()).add(sp.srepr(e))
        by_srepr.setdefault(sp.srepr(e), set()).add(_exact_text(e))
    assert all(len(v) == 1 for v in by_text.values())  # one text: one expression
    assert all(len(v) == 1 for v in by_srepr.values())  # one expression: one text
    assert len(by_text) > 150  # (the sample is varied)
    assert _exact_text(x + 2 * y) == _exact_text(y * 2 + x)
    assert _exact_text(sp.sin(x)) != _exact_text(sp.sin(sp.Symbol("x")))  # assumptions


def test_a_symbols_text_is_srepr_without_the_printer(monkeypatch):
    """Issue #17: a symbol's exact text (a traced input, a plain or assumed ``Symbol``)
    is written without sympy's printer once its class is known to print as the printer's
    plain symbol form, and is ``srepr``'s text exactly (so every hash is as before);
    ``Dummy`` (whose index ``srepr`` prints) and a class with a printer of its own keep
    ``srepr``."""
    from sympy.printing.repr import ReprPrinter

    from qsym import _ir
    from qsym._trace import TracedSymbol

    class Printed(sp.Symbol):  # a user's subclass with its own srepr
        def _sympyrepr(self, printer):
            return f"Printed<{self.name}>"

    class _Repr:  # a printer method coming after Symbol in the classes
        def _sympyrepr(self, printer):
            return f"Mixed<{self.name}>"

    class Mixed(sp.Symbol, _Repr):
        pass

    names = ["x", "w[0, 1]", "a'b", 'q"', "é", "x_1"]
    symbols = ([TracedSymbol(n) for n in names]
               + [sp.Symbol(n, **kw) for n in names
                  for kw in ({}, {"real": True}, {"positive": True, "integer": True},
                             {"commutative": False})]
               + [sp.Dummy("d"), sp.Dummy("d", real=True), sp.Wild("w"), Mixed("m"),
                  Printed("p")])
    want = [sp.srepr(s) for s in symbols]
    _ir._symbol_text.cache_clear()
    _ir._PLAIN_SREPR.clear()
    first = [_ir._exact_text(s) for s in symbols]  # (each class's first symbol: srepr)
    _ir._symbol_text.cache_clear()
    printed = []
    real_print = ReprPrinter._print_Symbol

    def counting(self, expr):
        printed.append(expr)
        return real_print(self, expr)

    monkeypatch.setattr(ReprPrinter, "_print_Symbol", counting)
    again = [_ir._exact_text(s) for s in symbols]
    assert first == want and again == want
    assert _ir._PLAIN_SREPR[TracedSymbol] and _ir._PLAIN_SREPR[sp.Symbol]
    assert not (_ir._PLAIN_SREPR[sp.Dummy] or _ir._PLAIN_SREPR[Printed]
                or _ir._PLAIN_SREPR[Mixed])
    # the printer ran again only for the Dummies (the plain classes are written directly)
    assert all(isinstance(s, sp.Dummy) for s in printed) and len(printed) == 2
    assert again[-2:] == ["Mixed<m>", "Printed<p>"]


def test_a_traced_circuits_hash_prints_no_symbol():
    """The hash of a traced 12-parameter circuit asks sympy's printer for no symbol (the
    traced inputs' class is known after its first), and is the hash the printer's texts
    give."""
    from sympy.printing.repr import ReprPrinter

    from qsym import _ir
    from qsym._trace import TracedSymbol

    xs = [TracedSymbol(f"h[{i}]") for i in range(12)]
    ops = tuple(Op("RY" if i % 2 else "RZ", (i % 3,), (x,)) for i, x in enumerate(xs))
    c = Circuit(3, ops, (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
                inputs=tuple(xs))
    _ir._symbol_text(TracedSymbol("h[first]"))  # the class seen once
    _ir._symbol_text.cache_clear()
    calls = []
    real_print = ReprPrinter._print_Symbol
    try:
        ReprPrinter._print_Symbol = lambda self, e: calls.append(e) or real_print(self, e)
        fast = structural_hash(c)
    finally:
        ReprPrinter._print_Symbol = real_print
    assert calls == []
    _ir._PLAIN_SREPR.clear()  # every symbol through srepr, as before
    _ir._PLAIN_SREPR[TracedSymbol] = False
    _ir._symbol_text.cache_clear()
    try:
        assert structural_hash(c) == fast
    finally:
        _ir._PLAIN_SREPR.clear()
        _ir._symbol_text.cache_clear()
