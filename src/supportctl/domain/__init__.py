"""Pure rules: no I/O, no clock reads (the caller passes `now`)."""
