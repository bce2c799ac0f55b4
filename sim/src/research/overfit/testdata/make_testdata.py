#!/usr/bin/env python3
"""Independent values for sim's overfitting statistics (sim/src/research/overfit).

Computes the deflated Sharpe ratio and the CSCV probability of backtest overfitting with
numpy/scipy, straight from the papers' formulas, on seeded inputs, and writes inputs and outputs
to dsr_cases.json and pbo_cases.json next to this file. The Rust tests compare their results
with these files; they never compare the Rust code with itself.

Regenerate (numpy and scipy needed: `pip install numpy scipy`):
    python3 sim/src/research/overfit/testdata/make_testdata.py
"""

import itertools
import json
import math
import os

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
EULER_GAMMA = 0.5772156649015329


# ---- Deflated Sharpe ratio (Bailey and Lopez de Prado, 2014) ----

def dsr(returns, trials, trials_var):
    r = np.asarray(returns, dtype=float)
    t = len(r)
    sr = r.mean() / r.std(ddof=1)
    skew = stats.skew(r)  # biased: m3 / m2^1.5
    kurt = stats.kurtosis(r, fisher=False)  # biased, not excess: m4 / m2^2
    if trials == 1:
        sr0 = 0.0
    else:
        sr0 = math.sqrt(trials_var) * (
            (1 - EULER_GAMMA) * stats.norm.ppf(1 - 1 / trials)
            + EULER_GAMMA * stats.norm.ppf(1 - 1 / (trials * math.e))
        )
    z = (sr - sr0) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)
    return dict(sharpe=sr, skewness=skew, kurtosis=kurt, expected_max_sharpe=sr0, z=z,
                probability=stats.norm.cdf(z))


def dsr_cases(rng):
    cases = []

    def add(name, returns, trials, trials_var):
        out = dsr(returns, trials, trials_var)
        cases.append(dict(name=name, returns=[float(x) for x in returns], trials=trials,
                          trials_sharpe_variance=trials_var,
                          expected={k: float(v) for k, v in out.items()}))

    add("normal returns, 10 trials", rng.normal(0.001, 0.01, 500), 10, 0.002)
    # Negative skew: small steady gains, rare large losses.
    neg = rng.normal(0.002, 0.004, 750) - rng.exponential(0.02, 750) * (rng.random(750) < 0.1)
    add("negative skew, 100 trials", neg, 100, 0.001)
    # Positive skew: small steady losses, rare large gains.
    pos = rng.normal(-0.0005, 0.004, 750) + rng.exponential(0.03, 750) * (rng.random(750) < 0.1)
    add("positive skew, 100 trials", pos, 100, 0.001)
    add("fat tails (Student t, 3 dof), 1000 trials",
        0.0008 + 0.01 * rng.standard_t(3, 1000), 1000, 0.0005)
    add("one trial", rng.normal(0.0005, 0.01, 300), 1, 0.0)
    add("losing strategy, 50 trials", rng.normal(-0.001, 0.01, 400), 50, 0.003)
    return cases


# ---- Probability of backtest overfitting by CSCV (Bailey, Borwein, Lopez de Prado, Zhu) ----

def sharpe(x):
    sd = np.std(x, ddof=1)
    if sd == 0:
        m = np.mean(x)
        return math.inf if m > 0 else (-math.inf if m < 0 else 0.0)
    return np.mean(x) / sd


def pbo(perf, blocks):
    """perf: T x N (rows: periods, columns: configurations)."""
    t, n = perf.shape
    parts = np.array_split(np.arange(t), blocks)  # first T % S blocks one longer
    splits = []
    for combo in itertools.combinations(range(blocks), blocks // 2):
        train = np.concatenate([parts[b] for b in combo])
        test = np.concatenate([parts[b] for b in range(blocks) if b not in combo])
        is_sr = np.array([sharpe(perf[train, j]) for j in range(n)])
        oos_sr = np.array([sharpe(perf[test, j]) for j in range(n)])
        chosen = int(np.argmax(is_sr))  # first maximum
        rank = stats.rankdata(oos_sr, method="average")[chosen]
        w = rank / (n + 1)
        splits.append(dict(in_sample_blocks=list(combo), chosen=chosen,
                           in_sample_sharpe=float(is_sr[chosen]),
                           out_of_sample_sharpe=float(oos_sr[chosen]),
                           logit=float(math.log(w / (1 - w)))))
    logits = np.array([s["logit"] for s in splits])
    oos = np.array([s["out_of_sample_sharpe"] for s in splits])
    return dict(probability=float(np.mean(logits <= 0)),
                probability_of_loss=float(np.mean(oos < 0)), splits=splits)


def pbo_cases(rng):
    cases = []

    def add(name, perf, blocks):
        out = pbo(perf, blocks)
        cases.append(dict(name=name, blocks=blocks,
                          performance=[[float(x) for x in perf[:, j]] for j in range(perf.shape[1])],
                          expected=out))

    # Pure noise, T not a multiple of S, and one configuration that never trades (all zeros).
    noise = rng.normal(0.0, 0.01, (250, 10))
    noise[:, 3] = 0.0
    add("noise, 10 configs, one idle, T=250, S=8", noise, 8)

    # One configuration dominates: a clear drift over the same noise.
    dom = rng.normal(0.0, 0.01, (160, 6))
    dom[:, 2] += 0.02
    add("one config dominates, S=8", dom, 8)

    # The best in-sample is the worst out of sample: every configuration's block means sum to
    # zero (what it gains in some blocks it gives back in the others), with little noise.
    s, n, per_block = 6, 8, 20
    means = rng.normal(0.0, 0.01, (s, n))
    means -= means.mean(axis=0)
    rev = np.repeat(means, per_block, axis=0) + rng.normal(0.0, 0.0005, (s * per_block, n))
    add("mean-reverting blocks: in-sample winner loses out of sample, S=6", rev, s)

    # Two identical configurations: the tie goes to the first, and they tie out of sample.
    twin = rng.normal(0.0005, 0.01, (64, 4))
    twin[:, 1] = twin[:, 0]
    add("two identical configs, S=4", twin, 4)
    return cases


def main():
    rng = np.random.default_rng(20261207)
    for name, cases in (("dsr_cases.json", dsr_cases(rng)), ("pbo_cases.json", pbo_cases(rng))):
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(dict(generator="make_testdata.py", numpy=np.__version__,
                           scipy=__import__("scipy").__version__, cases=cases), f, indent=1)
            f.write("\n")
    for c in json.load(open(os.path.join(HERE, "dsr_cases.json")))["cases"]:
        print("DSR", c["name"], c["expected"])
    for c in json.load(open(os.path.join(HERE, "pbo_cases.json")))["cases"]:
        print("PBO", c["name"], c["expected"]["probability"], c["expected"]["probability_of_loss"])


if __name__ == "__main__":
    main()
