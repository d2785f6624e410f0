"""Opt-in extensions built on the generated queries and the runtime's query hook.

- :mod:`postsql.ext.soft_delete`: a lint that every query reading a soft-deletable table filters
  ``deleted_at IS NULL`` (or says it deliberately does not).
- :mod:`postsql.ext.audit`: read the trigger-written ``audit_log``; set the actor on a connection.
- :mod:`postsql.ext.cache`: a read-through cache for queries marked ``@cache ttl=...``.

Nothing here is imported by ``postsql`` itself: import the module you want.
"""
