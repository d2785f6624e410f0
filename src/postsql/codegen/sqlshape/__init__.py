"""Private machinery behind :mod:`postsql.codegen.nullability`; import from there."""
