"""Public test helpers: replayed outputs (`replay`), the sample's device views (`views`), vendor output renderers
(`vendors`) and the snapshot writer (`snapshots`). Fakes are for unit tests of parsing and rules only."""
