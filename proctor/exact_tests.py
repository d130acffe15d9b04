"""Exact one-sided tests for the patterns across sittings, in log space (no scipy needed).

- `fisher_greater`: Fisher's exact test of a 2×2 table, one-sided (the first row's rate is
  greater): the hypergeometric upper tail P(X ≥ a).
- `binomial_greater`: the exact binomial upper tail P(X ≥ k) of Binomial(n, p); with
  n = x + y and p = e_x / (e_x + e_y) it is the exact conditional test of two Poisson rates
  (Przyborowski and Wilenski), which `poisson_rates_greater` is.
- `holm`: Holm's step-down adjustment of a family of p-values.

The first term of a tail is computed in log space (lgamma for the binomial coefficients), the
others from it by the ratio of neighbouring terms, summed away from the mode and stopped once
they no longer change the sum; a tail that would hold the mode is one minus the other tail.
Tables of tens of thousands of candidates neither overflow nor cost more than a few hundred
terms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


def log_comb(n: int, k: int) -> float:
    """log C(n, k); -inf outside 0 ≤ k ≤ n."""
    if k < 0 or k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _tail_from(log_first: float, ratio: Callable[[int], float], first: int, last: int,
               step: int) -> float:
    """log of the sum of the pmf from `first` towards `last` (inclusive, by `step` = ±1), the
    terms walking away from the mode, so each is at most the one before: the first term in
    log space, the others by the ratio of neighbouring terms, stopped once a term no longer
    changes the sum (below 1e-17 of it)."""
    total, term, k = 1.0, 1.0, first
    while k != last:
        term *= ratio(k)
        k += step
        total += term
        if term < total * 1e-17:
            break
    return log_first + math.log(total)


def _probability(log_p: float) -> float:
    return min(1.0, max(0.0, math.exp(log_p)))


def _upper_tail(k: int, low: int, high: int, mode: int, log_pmf: Callable[[int], float],
                up: Callable[[int], float], down: Callable[[int], float]) -> float:
    """P(X ≥ k) of a unimodal distribution on low..high: summed upwards from k when k is past
    the mode, else 1 − P(X ≤ k − 1) summed downwards (either way away from the mode)."""
    if k <= low:
        return 1.0
    if k > high:
        return 0.0
    if k > mode:
        return _probability(_tail_from(log_pmf(k), up, k, high, 1))
    return 1.0 - _probability(_tail_from(log_pmf(k - 1), down, k - 1, low, -1))


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher exact p-value of the table [[a, b], [c, d]] for "row 1's share of the
    first column is greater than row 2's": P(X ≥ a) with X hypergeometric (N = a+b+c+d draws
    of row 1's a+b from a population holding a+c successes)."""
    if min(a, b, c, d) < 0:
        raise ValueError("a 2×2 table holds counts")
    n, big_k, total = a + b, a + c, a + b + c + d
    low, high = max(0, n + big_k - total), min(n, big_k)
    denominator = log_comb(total, n)

    def log_pmf(x: int) -> float:
        return log_comb(big_k, x) + log_comb(total - big_k, n - x) - denominator

    def up(x: int) -> float:  # pmf(x + 1) / pmf(x)
        return (big_k - x) * (n - x) / ((x + 1) * (total - big_k - n + x + 1))

    def down(x: int) -> float:  # pmf(x - 1) / pmf(x)
        return x * (total - big_k - n + x) / ((big_k - x + 1) * (n - x + 1))

    mode = min(high, max(low, (n + 1) * (big_k + 1) // (total + 2)))
    return _upper_tail(a, low, high, mode, log_pmf, up, down)


def binomial_greater(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    if not 0.0 <= p <= 1.0 or n < 0:
        raise ValueError("p is a probability and n a count")
    if k <= 0:
        return 1.0
    if k > n or p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    log_p, log_q, odds = math.log(p), math.log1p(-p), p / (1.0 - p)

    def log_pmf(x: int) -> float:
        return log_comb(n, x) + x * log_p + (n - x) * log_q

    def up(x: int) -> float:
        return (n - x) / (x + 1) * odds

    def down(x: int) -> float:
        return x / (n - x + 1) / odds

    mode = min(n, int((n + 1) * p))
    return _upper_tail(k, 0, n, mode, log_pmf, up, down)


def poisson_rates_greater(events: int, exposure: float, other_events: int,
                          other_exposure: float) -> float:
    """Exact conditional test that the first rate (events per exposure) is greater than the
    second: given the total, the first count is Binomial(total, e1 / (e1 + e2))."""
    if exposure <= 0 or other_exposure <= 0:
        raise ValueError("both exposures must be positive")
    return binomial_greater(events, events + other_events,
                            exposure / (exposure + other_exposure))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given: the i-th smallest is multiplied
    by (m − i), kept monotone, capped at 1. Reject where the adjusted value ≤ alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
