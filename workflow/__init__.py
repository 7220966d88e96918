"""The pure model of Diktum: definitions, their validation, state machines and calendars.

Nothing in this package touches a database, the web or the wall clock; time always comes
in as an argument so that the engine, tests and simulations decide what "now" is.
"""
