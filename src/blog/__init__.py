"""The blog: postsql's worked example, a project that uses the library as any service would.

Not part of the installed ``postsql`` package. Its configuration is ``[tool.postsql]`` in the
repository's ``pyproject.toml``; its SQL is ``sql/``; its generated code is :mod:`blog.generated`.
"""
