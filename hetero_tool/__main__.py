"""``python -m hetero_tool`` runs the CLI."""

from hetero_tool.cli.app import main

main()
