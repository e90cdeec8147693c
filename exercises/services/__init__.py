"""Workflows that write a couple's exercises. Each module owns one kind of exercise."""

from datetime import timedelta

# The same thing sent again this soon is a double click or a second tab, not a new one.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=1)
