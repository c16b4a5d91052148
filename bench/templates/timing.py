"""Batch timing shared by peers.py: warm up, calibrate, time several batches."""

import statistics
import time


def measure(fn, min_batch_s=0.2, batches=7, warmup_s=0.3):
    """Returns (median_ns, best_ns, iterations_per_batch) per call of fn."""
    # Warm-up: run for warmup_s (at least 3 calls) and learn the rough cost.
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < warmup_s:
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    iters = max(1, int(min_batch_s / per_call))
    samples = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        samples.append((time.perf_counter_ns() - t0) / iters)
    return statistics.median(samples), min(samples), iters
