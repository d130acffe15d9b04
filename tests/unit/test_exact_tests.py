"""The exact one-sided tests behind the patterns (proctor.exact_tests), against known values
and against the same sums done exactly with fractions of math.comb."""

from __future__ import annotations

import random
from fractions import Fraction
from math import comb

import pytest

from proctor.exact_tests import binomial_greater, fisher_greater, holm, poisson_rates_greater


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    n, k, total = a + b, a + c, a + b + c + d
    return float(sum(Fraction(comb(k, x) * comb(total - k, n - x))
                     for x in range(a, min(n, k) + 1)) / comb(total, n))


def binomial_exact(k: int, n: int, p: Fraction) -> float:
    return float(sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1)))


@pytest.mark.parametrize(("table", "expected"), [
    ((3, 1, 1, 3), 17 / 70),  # Fisher's lady tasting tea, one-sided: 0.2429 (R: fisher.test)
    # Wikipedia's dieting example [[1, 9], [11, 3]]: the table's own probability 0.001346 plus
    # the one more extreme (0, 10, 12, 2), 0.000034, is the one-tailed p for "fewer than
    # expected in the first cell": this test on the table with its columns swapped.
    ((9, 1, 3, 11), 0.001380),
    ((10, 0, 0, 10), 1 / comb(20, 10)),  # the most extreme table
    ((0, 5, 0, 5), 1.0),  # nobody with an incident: nothing to see
])
def test_fisher_known_values(table, expected):
    rel = 1e-3 if expected == 0.001380 else 1e-9  # Wikipedia gives four digits
    assert fisher_greater(*table) == pytest.approx(expected, rel=rel)


@pytest.mark.parametrize(("k", "n", "p", "expected"), [
    (8, 10, 0.5, 56 / 1024), (0, 10, 0.3, 1.0), (11, 10, 0.3, 0.0), (1, 10, 0.1, 1 - 0.9**10),
    (3, 3, 0.5, 0.125), (5, 5, 1.0, 1.0), (1, 5, 0.0, 0.0)])
def test_binomial_known_values(k, n, p, expected):
    assert binomial_greater(k, n, p) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_both_tails_match_exact_fractions():
    rng = random.Random(20250509)
    for _ in range(200):
        table = tuple(rng.randint(0, 40) for _ in range(4))
        expected = fisher_exact(*table)
        assert fisher_greater(*table) == pytest.approx(expected, rel=1e-9, abs=1e-13), table
        n = rng.randint(1, 120)
        k, p = rng.randint(0, n), Fraction(rng.randint(1, 99), 100)
        assert binomial_greater(k, n, float(p)) == pytest.approx(
            binomial_exact(k, n, p), rel=1e-9, abs=1e-13), (k, n, p)


def test_large_tables_keep_their_tail():
    """A body of 400 of 20 000 candidates: the tail is tiny but not lost to underflow."""
    p = fisher_greater(60, 340, 200, 19_400)
    assert 0 < p < 1e-20
    assert fisher_greater(5, 395, 255, 19_345) > 0.5  # at the expected share: unremarkable


def test_two_poisson_rates_conditional_on_the_total():
    # 15 events in 30 candidates against 18 in 140: Binomial(33, 30/170), P(X ≥ 15).
    assert poisson_rates_greater(15, 30, 18, 140) == pytest.approx(
        binomial_exact(15, 33, Fraction(30, 170)), rel=1e-9)
    with pytest.raises(ValueError):
        poisson_rates_greater(1, 0, 1, 10)


def test_holm_step_down():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.01, 0.011, 0.5]) == pytest.approx([0.03, 0.03, 0.5])  # never below a step
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.9, 0.9, 0.9]) == [1.0, 1.0, 1.0]  # capped at 1
    assert holm([]) == []
