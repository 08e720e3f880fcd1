"""Generators of the compact field tables under ``dac/schemas/data``.

Run ``python -m dac.schemas.generate --help``. Each sub-command reads a local
checkout of a public source and writes one JSON table with a ``_meta`` object
naming the source repository, version, commit, generator and date.
"""

from dac.schemas.generate.cli import main

__all__ = ["main"]
