"""The second wall: PostgreSQL row-level security under the scoping door (docs/privacy.md)."""
