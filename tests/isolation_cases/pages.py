"""Isolation cases of the pages everyone has (no couple object in the URL): only the world's marked data."""

CASES = {
    "landing": lambda world: {},
    "home": lambda world: {},
    "resources": lambda world: {},
    "privacy": lambda world: {},
    "healthz": lambda world: {},
    "accounts:settings": lambda world: {},
}
