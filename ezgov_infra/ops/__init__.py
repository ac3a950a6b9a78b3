"""Operations: Prometheus exposition of stored runs (`families`, `exposition`) and the index of the inventory the
metrics are labelled from (`index`), and the filtering of device configs before they are versioned (`configs`)."""
