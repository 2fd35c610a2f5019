"""Running past one process: batch scoring on Spark."""
