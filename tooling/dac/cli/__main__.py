"""Allow ``python -m dac.cli``."""

from dac.cli import main

main()
