"""Survey analysis: codebooks, frequency tables with suppression, Likert charts, group
comparisons, weighting, open answers and the institution survey.

Submodules are imported lazily (``from ibislib.survey import frequencies``) so that the
loaders in :mod:`ibislib.sources` can use the codebook without importing the statistics.
"""
