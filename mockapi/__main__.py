"""``python -m mockapi`` runs the CLI."""

from .cli import main

main()
