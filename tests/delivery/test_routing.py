"""Route quality: the planner against brute force on small instances and TSPLIB's optima."""

from __future__ import annotations

import itertools
import random
import time
from pathlib import Path

import pytest

from xiaodian.delivery.routing import (
    NoRoute,
    euclidean_matrix,
    solve_tsp,
    solve_vrp,
    tour_length,
)
from xiaodian.delivery.tsplib import parse_tsplib

DATA = Path(__file__).parent / "data"


def brute_force_tsp(matrix: list[list[int]]) -> int:
    rest = range(1, len(matrix))
    return min(tour_length(matrix, [0, *order]) for order in itertools.permutations(rest))


@pytest.mark.parametrize("stops", [1, 2, 3, 4, 5, 6, 7, 8, 9])
def test_tour_equals_brute_force_on_random_instances(stops: int) -> None:
    rng = random.Random(1400 + stops)
    for _ in range(2 if stops == 9 else 4):
        points = [(rng.uniform(0, 3000), rng.uniform(0, 3000)) for _ in range(stops + 1)]
        matrix = euclidean_matrix(points)
        tour = solve_tsp(matrix)
        assert sorted(tour) == list(range(stops + 1))
        assert tour[0] == 0
        assert tour_length(matrix, tour) == brute_force_tsp(matrix)


def test_asymmetric_distances_equal_brute_force() -> None:
    """Road distances are not symmetric (one-way streets); the solver must not assume it."""
    rng = random.Random(7)
    for _ in range(3):
        matrix = [[0 if i == j else rng.randint(100, 3000) for j in range(8)] for i in range(8)]
        assert tour_length(matrix, solve_tsp(matrix)) == brute_force_tsp(matrix)


@pytest.mark.parametrize(("name", "optimum"), [("eil51", 426), ("berlin52", 7542)])
def test_tsplib_within_one_percent_in_under_two_seconds(name: str, optimum: int) -> None:
    instance = parse_tsplib((DATA / f"{name}.tsp").read_text())
    assert instance.optimum == optimum
    matrix = euclidean_matrix(instance.points)
    started = time.perf_counter()
    tour = solve_tsp(matrix)
    elapsed = time.perf_counter() - started
    length = tour_length(matrix, tour)
    assert sorted(tour) == list(range(len(instance.points)))
    assert length >= optimum  # a shorter tour would mean the distances are computed wrongly
    assert length <= optimum * 1.01, f"{name}: {length} vs optimum {optimum}"
    assert elapsed < 2.0, f"{name} took {elapsed:.2f} s"


def test_euc_2d_rounds_to_nearest_integer() -> None:
    assert euclidean_matrix([(0, 0), (1, 1)])[0][1] == 1  # 1.414
    assert euclidean_matrix([(0, 0), (1.5, 1.5)])[0][1] == 2  # 2.121
    assert euclidean_matrix([(0, 0), (3, 4)])[0][1] == 5


def test_vrp_respects_capacity_and_visits_every_stop_once() -> None:
    rng = random.Random(3)
    spread = 2000
    points = [(0.0, 0.0)] + [
        (rng.uniform(-spread, spread), rng.uniform(-spread, spread)) for _ in range(30)
    ]
    matrix = euclidean_matrix(points)
    demands = [0] + [rng.randint(1, 3) for _ in range(30)]
    capacity = (sum(demands) + 2) // 3 + 2
    routes = solve_vrp(matrix, riders=3, demands=demands, capacity=capacity)
    assert len(routes) == 3
    visited = sorted(stop for route in routes for stop in route.stops)
    assert visited == list(range(1, 31))
    for route in routes:
        assert sum(demands[s] for s in route.stops) <= capacity
        assert route.distance_m == tour_length(matrix, [0, *route.stops])
        assert sum(route.legs_m) + matrix[route.stops[-1]][0] == route.distance_m


def test_vrp_with_two_riders_equals_brute_force_split() -> None:
    """Capacity 3 over 6 unit stops forces a 3 + 3 split; the best split is found."""
    rng = random.Random(11)
    points = [(0.0, 0.0)] + [(rng.uniform(-1500, 1500), rng.uniform(-1500, 1500)) for _ in range(6)]
    matrix = euclidean_matrix(points)
    best = min(
        brute_force_tsp_subset(matrix, group)
        + brute_force_tsp_subset(matrix, tuple(s for s in range(1, 7) if s not in group))
        for group in itertools.combinations(range(1, 7), 3)
    )
    routes = solve_vrp(matrix, riders=2, demands=[0] + [1] * 6, capacity=3)
    assert sorted(len(r.stops) for r in routes) == [3, 3]
    # The span cost may trade a little distance for balance; with equal counts it need not.
    assert sum(r.distance_m for r in routes) <= best * 1.05


def brute_force_tsp_subset(matrix: list[list[int]], stops: tuple[int, ...]) -> int:
    return min(tour_length(matrix, [0, *order]) for order in itertools.permutations(stops))


def test_arrivals_add_travel_and_service_time() -> None:
    matrix = [[0, 100, 200], [100, 0, 100], [200, 100, 0]]
    [route] = solve_vrp(matrix, riders=1, duration_s=matrix, service_s=60, window_s=3600)
    first, second = route.stops
    assert route.arrivals_s[0] == matrix[0][first]
    assert route.arrivals_s[1] == matrix[0][first] + 60 + matrix[first][second]
    assert route.duration_s == route.arrivals_s[1] + 60 + matrix[second][0]


def test_demand_over_all_riders_capacity_is_refused() -> None:
    matrix = euclidean_matrix([(0, 0), (1, 1), (2, 2), (3, 3)])
    with pytest.raises(NoRoute):
        solve_vrp(matrix, riders=1, demands=[0, 2, 2, 2], capacity=5)


def test_two_riders_reach_every_stop_within_the_slot_window() -> None:
    """Two clusters 2 km either side of the store and a window one rider could not keep
    (8 km + 6 stops): the plan reaches every stop in time, three stops each."""
    points = [(0.0, 0.0)] + [(2000.0 + 10 * i, 0.0) for i in range(3)]
    points += [(-2000.0 - 10 * i, 0.0) for i in range(3)]
    matrix = euclidean_matrix(points)
    window = 2500  # seconds; one unit of distance takes one second
    routes = solve_vrp(matrix, riders=2, duration_s=matrix, window_s=window, service_s=60)
    assert all(arrival <= window for route in routes for arrival in route.arrivals_s)
    assert sorted(len(route.stops) for route in routes) == [3, 3]


def test_vrp_keeps_each_rider_under_the_weight_capacity_beside_the_order_count() -> None:
    """Two heavy stops (6 kg) must ride apart with 10 kg riders, though the count (6 per
    rider) would let one rider take everything."""
    rng = random.Random(5)
    points = [(0.0, 0.0)] + [(rng.uniform(-1500, 1500), rng.uniform(-1500, 1500)) for _ in range(6)]
    matrix = euclidean_matrix(points)
    weights = [0, 6000, 6000, 1000, 1000, 1500, 500]
    routes = solve_vrp(
        matrix,
        riders=2,
        demands=[0] + [1] * 6,
        capacity=6,
        weights=weights,
        weight_capacity=10_000,
    )
    assert sorted(stop for route in routes for stop in route.stops) == list(range(1, 7))
    for route in routes:
        assert sum(weights[s] for s in route.stops) <= 10_000
    assert [1 in route.stops for route in routes] != [2 in route.stops for route in routes]


def test_weight_over_what_the_riders_carry_is_refused_even_when_the_total_fits() -> None:
    matrix = euclidean_matrix([(0, 0), (1, 1), (2, 2), (3, 3)])
    with pytest.raises(NoRoute):
        solve_vrp(matrix, riders=1, weights=[0, 3000, 3000, 3000], weight_capacity=8000)
    with pytest.raises(NoRoute):
        solve_vrp(matrix, riders=3, weights=[0, 9000, 100, 100], weight_capacity=8000)
    # 3 × 6 kg for two 10 kg riders: 18 kg fit in 20 kg, but no rider takes two
    with pytest.raises(NoRoute):
        solve_vrp(
            matrix,
            riders=2,
            weights=[0, 6000, 6000, 6000],
            weight_capacity=10_000,
            time_limit_s=0.3,
        )
