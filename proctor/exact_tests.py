"""Exact one-sided tests for the patterns across sittings, in log space (no scipy needed).

- `fisher_greater`: Fisher's exact test of a 2×2 table, one-sided (the first row's rate is
  greater): the hypergeometric upper tail P(X ≥ a).
- `binomial_greater`: the exact binomial upper tail P(X ≥ k) of Binomial(n, p); with
  n = x + y and p = e_x / (e_x + e_y) it is the exact conditional test of two Poisson rates
  (Przyborowski and Wilenski), which `poisson_rates_greater` is.
- `holm`: Holm's step-down adjustment of a family of p-values.

Terms are summed as logarithms (lgamma for the binomial coefficients, log-sum-exp for the
tail), so tables of tens of thousands of candidates neither overflow nor lose the tail.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def log_comb(n: int, k: int) -> float:
    """log C(n, k); -inf outside 0 ≤ k ≤ n."""
    if k < 0 or k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _log_sum(logs: Sequence[float]) -> float:
    top = max(logs, default=-math.inf)
    if top == -math.inf:
        return -math.inf
    return top + math.log(math.fsum(math.exp(value - top) for value in logs))


def _probability(log_p: float) -> float:
    return min(1.0, max(0.0, math.exp(log_p)))


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher exact p-value of the table [[a, b], [c, d]] for "row 1's share of the
    first column is greater than row 2's": P(X ≥ a) with X hypergeometric (N = a+b+c+d draws
    of row 1's a+b from a population holding a+c successes)."""
    if min(a, b, c, d) < 0:
        raise ValueError("a 2×2 table holds counts")
    n_row, successes, total = a + b, a + c, a + b + c + d
    high = min(n_row, successes)
    denominator = log_comb(total, n_row)
    logs = [log_comb(successes, k) + log_comb(total - successes, n_row - k) - denominator
            for k in range(a, high + 1)]
    return _probability(_log_sum(logs))


def binomial_greater(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    if not 0.0 <= p <= 1.0 or n < 0:
        raise ValueError("p is a probability and n a count")
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    logs = [log_comb(n, i) + i * log_p + (n - i) * log_q for i in range(k, n + 1)]
    return _probability(_log_sum(logs))


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
