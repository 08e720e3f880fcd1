"""Entry point for ``python -m dac.schemas.generate``."""

from dac.schemas.generate.cli import main

main()
