"""Opt-in extensions built on the generated queries and the runtime's query hook.

- :mod:`postsql.ext.soft_delete`: a lint that every query reading a soft-deletable table filters
  ``deleted_at IS NULL`` (or says it deliberately does not).
- :mod:`postsql.ext.audit`: read the trigger-written ``audit_log``; set the actor on a connection.
- :mod:`postsql.ext.cache`: a read-through cache for queries marked ``@cache ttl=...``.
- :mod:`postsql.ext.logging`, :mod:`postsql.ext.metrics`, :mod:`postsql.ext.tracing`: query
  logging, Prometheus metrics and OpenTelemetry spans from :mod:`postsql.runtime.hooks` records.

Nothing here is imported by ``postsql`` itself: import the module you want (the
:class:`~postsql.runtime.database.Database` attaches the logging and tracing hooks unless told not
to).
"""
