"""The command line: Typer commands (main) and their output (output)."""
