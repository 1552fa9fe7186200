"""A run: what is due, the exactly-once protocol with the ports (Source, Sink), booking modes, outcome and progress."""
