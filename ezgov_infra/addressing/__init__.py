"""The IPv6 address plan: `allocate` derives it from the region tree, `verify` checks the inventory against it."""
