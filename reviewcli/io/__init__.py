"""Reviews in and out, no torch: where DATA is, format detection and readers, labelled examples, writers."""
