"""Migrations: dbmate up, down and status, checksums of applied migrations, the schema dump."""
