"""Forms of the exercise kinds that are more than a list of steps, one module per kind."""
