"""Measuring quality on labelled sets (`scambot eval`): the matcher's answers and the offer checker's risks."""
