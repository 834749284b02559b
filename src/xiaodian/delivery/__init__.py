"""Community delivery: zone, fees by distance, time slots, rider routes."""
