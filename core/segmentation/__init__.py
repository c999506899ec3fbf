"""Customer segmentation (ABC, A–E grid, RFM, size), computed set-based over a whole brand,
stored with an append-only history of changes."""
