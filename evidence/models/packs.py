"""Evidence packs (filled in below)."""
