"""The pure core: calendar, recurrence and lifecycle. No I/O, no clock."""
