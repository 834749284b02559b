"""The merchant's numbers at a glance: today's takings, the month's trend, what needs doing."""
