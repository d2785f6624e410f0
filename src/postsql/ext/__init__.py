"""Opt-in extensions built on the query hook (:mod:`postsql.hooks`)."""
