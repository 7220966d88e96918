"""The ``diktum`` subcommands, one module per area; ``web.cli`` gathers them."""
