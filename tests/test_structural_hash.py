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
