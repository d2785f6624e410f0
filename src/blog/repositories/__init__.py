"""Repositories: the blog queries behind validating, paginating APIs.

Each repository wraps the generated query functions (``blog.generated.queries.*``) and takes
any ``postsql.runtime.executor.Executor``: an ``asyncpg.Connection`` or ``Pool`` (with
``postsql.runtime.executor.init_connection`` as its ``init``) or the runtime ``Database``.
Arguments are checked
before any round trip; a bad one raises ``postsql.errors.InvalidArgument`` naming the parameter.

Example::

    pool = await asyncpg.create_pool(url, init=init_connection)
    posts = PostRepository(pool, max_limit=50)
    page = await posts.find_posts(page=1, limit=10, search="postgres")
"""

from blog.repositories._common import DEFAULT_MAX_LIMIT
from blog.repositories.comments import CommentRepository
from blog.repositories.posts import PostListItem, PostOrder, PostRepository, PostStatistics
from blog.repositories.roles import RoleRepository
from blog.repositories.taxonomy import TaxonomyRepository
from blog.repositories.users import UserRepository

__all__ = [
    "DEFAULT_MAX_LIMIT",
    "CommentRepository",
    "PostListItem",
    "PostOrder",
    "PostRepository",
    "PostStatistics",
    "RoleRepository",
    "TaxonomyRepository",
    "UserRepository",
]
