"""`reviewcli check`: a behavioural test suite of short product-review sentences built from our own
templates (words.py, templates.py), run against a model (suite.py).

The suite MEASURES a model. Its sentences must never be used as training data, nor tuned against
one by one: a model trained on them would score its memory of the templates, not its reading."""
