"""Reading TSPLIB's EUC_2D instances (for the route-quality tests and `bench/routes.py`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instance:
    name: str
    points: list[tuple[float, float]]
    optimum: int | None


def parse_tsplib(text: str) -> Instance:
    """Parse a TSPLIB file of EDGE_WEIGHT_TYPE EUC_2D; other kinds raise ValueError."""
    header: dict[str, str] = {}
    points: list[tuple[float, float]] = []
    in_coords = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.startswith("NODE_COORD_SECTION"):
            in_coords = True
        elif in_coords:
            _, x, y = line.split()[:3]
            points.append((float(x), float(y)))
        elif ":" in line:
            key, value = line.split(":", 1)
            header[key.strip().upper()] = value.strip()
    if header.get("EDGE_WEIGHT_TYPE") != "EUC_2D":
        raise ValueError(f"only EUC_2D instances, not {header.get('EDGE_WEIGHT_TYPE')}")
    if "DIMENSION" in header and int(header["DIMENSION"]) != len(points):
        raise ValueError(f"DIMENSION {header['DIMENSION']} but {len(points)} points")
    optimum = int(header["OPTIMUM"]) if "OPTIMUM" in header else None
    return Instance(header.get("NAME", "?"), points, optimum)
