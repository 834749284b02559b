"""Route quality and solve time of the delivery planner (OR-Tools routing) on TSPLIB instances.

    .venv/bin/python bench/routes.py [--seconds S] FILE.tsp=OPTIMUM ...

Reads each TSPLIB EUC_2D file (distances rounded as TSPLIB does), solves the tour with
`xiaodian.delivery.routing.solve_tsp` and prints one line per instance,
`NAME n=N length=L optimum=O gap=G% seconds=T`, then a summary line. With no files it runs the
shared instances (eil51, berlin52). `--seconds` is the solver's time limit per instance
(default: the planner's own, at most 1 s). Then a 50-stop, 3-rider VRP with capacities and a
time window on random points, with its solve time.

A quality benchmark: it measures the solver only (no HTTP), so there is no /api/v1/ping ceiling
to compare it with.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from xiaodian.delivery.routing import (
    default_time_limit,
    euclidean_matrix,
    solve_tsp,
    solve_vrp,
    tour_length,
)
from xiaodian.delivery.tsplib import parse_tsplib

SHARED = Path("/work/shared/data/tsplib")
LOCAL = Path(__file__).resolve().parent.parent / "tests" / "delivery" / "data"


def default_instances() -> list[str]:
    folder = SHARED if SHARED.is_dir() else LOCAL
    return [f"{folder / 'eil51.tsp'}=426", f"{folder / 'berlin52.tsp'}=7542"]


def run_tsp(spec: str, seconds: float | None) -> tuple[float, float]:
    path, _, optimum_text = spec.partition("=")
    instance = parse_tsplib(Path(path).read_text())
    optimum = int(optimum_text) if optimum_text else instance.optimum
    matrix = euclidean_matrix(instance.points)
    started = time.perf_counter()
    tour = solve_tsp(matrix, time_limit_s=seconds)
    elapsed = time.perf_counter() - started
    length = tour_length(matrix, tour)
    gap = 100.0 * (length - optimum) / optimum if optimum else float("nan")
    print(
        f"{instance.name} n={len(instance.points)} length={length} optimum={optimum} "
        f"gap={gap:.2f}% seconds={elapsed:.2f}"
    )
    return gap, elapsed


def run_vrp(seconds: float | None) -> None:
    rng = random.Random(14)
    # Metres around a store at (0, 0) within 3 km; riders at 15 km/h; 2 minutes per stop.
    spread = 2100
    points = [(0.0, 0.0)] + [
        (rng.uniform(-spread, spread), rng.uniform(-spread, spread)) for _ in range(50)
    ]
    distance = euclidean_matrix(points)
    duration = [[round(d * 1.3 / (15000 / 3600)) for d in row] for row in distance]
    demands = [0] + [rng.randint(1, 3) for _ in range(50)]
    capacity = (sum(demands) + 2) // 3 + 5
    started = time.perf_counter()
    routes = solve_vrp(
        distance,
        riders=3,
        duration_s=duration,
        demands=demands,
        capacity=capacity,
        window_s=2 * 3600,
        service_s=120,
        time_limit_s=seconds,
    )
    elapsed = time.perf_counter() - started
    loads = [sum(demands[s] for s in r.stops) for r in routes]
    print(
        f"vrp50x3 n=50 riders=3 capacity={capacity} loads={loads} "
        f"stops={[len(r.stops) for r in routes]} distance_m={sum(r.distance_m for r in routes)} "
        f"longest_s={max(r.duration_s for r in routes)} seconds={elapsed:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("instances", nargs="*", metavar="FILE.tsp=OPTIMUM")
    args = parser.parse_args(argv)
    specs = args.instances or default_instances()
    results = [run_tsp(spec, args.seconds) for spec in specs]
    gaps = [gap for gap, _ in results]
    times = [elapsed for _, elapsed in results]
    limit = args.seconds if args.seconds is not None else default_time_limit(52)
    print(
        f"summary instances={len(results)} mean_gap={sum(gaps) / len(gaps):.2f}% "
        f"max_gap={max(gaps):.2f}% max_seconds={max(times):.2f} time_limit={limit:.2f}"
    )
    run_vrp(args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
