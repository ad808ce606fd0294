"""Part 11 electronic signatures."""
