"""``python -m core.cli`` runs the ``directcrm`` command."""

from core.cli import main

main()
