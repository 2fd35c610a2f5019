"""Training: the one loop, its objectives, the stages of a run, what a run starts from, pretraining, torchrun."""
