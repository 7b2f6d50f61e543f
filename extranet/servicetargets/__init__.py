"""Service targets: the cooperative's working calendar, first-response and resolution targets in
working hours per field, type and priority, the clock that measures them, and the reminders the
worker sends."""
