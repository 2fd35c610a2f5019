"""Scoring a loaded model: batching, the predictor, the CPU gate-table fast path, device and precision."""
