"""The runtime: persistence, cases, the event log, ticks, replay and the scheduler."""
