"""The benchmarks behind ``diktum bench``: where Diktum stands against the floor (the
plain driver doing the same writes), SpiffWorkflow and a naive machine per case.

One module per scenario, each with ``run(options) -> dict`` returning the scenario's
JSON document; ``common`` measures (fresh processes, peak RSS, timing, machine facts)
and ``world`` builds the databases (bulk loads in the engine's own row shape, hash chains
valid, so replay verifies them). Speed is reported here, never asserted by tests.
"""
