"""Model directories on disk: save/load and their checks, checkpoints, the --out lock, the shipped word table, info."""
