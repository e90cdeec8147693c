"""Encryption at rest: data keys, kept in their own database, that seal what people write.

See docs/privacy.md, "Encryption at rest and erasure that reaches backups".
"""
