"""The ingest layer below the loaders: the vocabulary (``vocab.yml`` + :mod:`.normalise`), safe
file reading (:mod:`.files`) and the GV100AD record layout the region registry reads too.

Nothing here imports :mod:`ibislib.sources`, :mod:`ibislib.regions` or :mod:`ibislib.store`;
they build on it (see docs/architecture.md).
"""
