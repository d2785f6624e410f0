"""Run time: what a service imports to call generated functions.

In the order a call flows: :mod:`~postsql.runtime.executor` (the protocol generated functions need,
``QueryInfo``), :mod:`~postsql.runtime.database` (pools, transactions, routing, the query hook) with
its :mod:`~postsql.runtime.settings`, :mod:`~postsql.runtime.urls` and :mod:`~postsql.runtime.tls`,
then :mod:`~postsql.runtime.integrity` (constraint errors), :mod:`~postsql.runtime.pagination` and
:mod:`~postsql.runtime.copy` (bulk insert). Nothing here imports build-time code (codegen,
migrations, the embedded server) except on the development-only path that starts the embedded
server when no URL is configured.
"""
