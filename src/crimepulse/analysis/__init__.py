"""The analysis: questions about the canonical tables, answered as Facts.

Read it in the order a question travels: `question` (a `Question` parsed once), `periods`
and `categories` (the words it is asked in), `selection` (the one step that resolves what
it selects: area, category rows, source family, what is published), then the answers —
`compare`, `grid`, `flags`, `measures` (trend, charge rate, stop and search) and
`timeseries` — with `engine.Analysis` handing them the Ibis tables of one backend.
"""
