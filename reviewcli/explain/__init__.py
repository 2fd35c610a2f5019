"""Why the model decided: attributions per word and gate replay for one review, as data."""
