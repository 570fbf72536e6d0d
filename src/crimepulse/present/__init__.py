"""The presentation floor: how crimepulse writes a number and a verdict, for every face.

The CLI, the dashboard pages and the snapshot all print Facts; `numbers` turns a value
into text (27,663; −17%; p < 0.001) and `words` turns a verdict into a reader's words and
marks ("up", ▲, "no meaningful change", "small numbers"). Keeping both here, on the
ground floor and importing nothing else of crimepulse, means a figure reads the same
wherever it appears, and a change of house style is one edit.
"""
