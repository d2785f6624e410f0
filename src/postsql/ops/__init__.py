"""Operations: the embedded development server, health and reports, backups, roles."""
