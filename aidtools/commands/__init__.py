"""One module per ``aidtools`` subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""
