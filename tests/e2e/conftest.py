"""The end-to-end journey and the keyboard-only exercise: one couple, a therapist and staff, in real Chromium."""


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: a whole journey through the product, end to end")
