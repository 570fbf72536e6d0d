"""The demo: a synthetic London in the real open formats, and the dashboard's first snapshot.

`london.generate` writes the data (`crimepulse demo-data`), built from `calibration`,
`geography`, `records` and `writers`; `publish` publishes the demo's weekly snapshot
(`make run`). This floor sits beside the CLI: it may use everything below it, and
nothing in the library imports it.
"""
