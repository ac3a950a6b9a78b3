"""Public test helpers: replayed outputs (`replay`), the sample's device views (`views`), vendor output renderers
(`vendors`), the snapshot writer (`snapshots`) and a recording `Progress` (`progress`). Fakes are for unit tests of
parsing and rules only."""
