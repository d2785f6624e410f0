"""The blog schema mapped with the SQLAlchemy 2 ORM, for the comparison benchmark only.

Maps the tables the dbmate migrations create (no ``create_all``): the benchmark runs both sides on
the same migrated database and data.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Column, Computed, Enum, ForeignKey, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class PostStatus(enum.Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class UserRole(enum.Enum):
    USER = "USER"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"
    SUPER_ADMIN = "SUPER_ADMIN"


class Base(DeclarativeBase):
    pass


post_categories = Table(
    "post_categories",
    Base.metadata,
    Column("post_id", BigInteger, ForeignKey("posts.id"), primary_key=True),
    Column("category_id", BigInteger, ForeignKey("categories.id"), primary_key=True),
)

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", BigInteger, ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", BigInteger, ForeignKey("tags.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    avatar: Mapped[str | None] = mapped_column(Text)
    role: Mapped[UserRole] = mapped_column(
        Enum(UserRole, name="user_role", create_type=False), server_default="USER"
    )
    created_at: Mapped[dt.datetime] = mapped_column(server_default="now()")
    updated_at: Mapped[dt.datetime] = mapped_column(server_default="now()")
    deleted_at: Mapped[dt.datetime | None]

    profile: Mapped[UserProfile | None] = relationship(back_populates="user", uselist=False)


class UserProfile(Base):
    __tablename__ = "user_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    bio: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    preferences: Mapped[dict[str, object]] = mapped_column(JSONB)
    metadata_: Mapped[dict[str, object]] = mapped_column("metadata", JSONB)

    user: Mapped[User] = relationship(back_populates="profile")


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text)


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(
        Enum(PostStatus, name="post_status", create_type=False), server_default="DRAFT"
    )
    published_at: Mapped[dt.datetime | None]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    view_count: Mapped[int] = mapped_column(BigInteger, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(server_default="now()")
    updated_at: Mapped[dt.datetime] = mapped_column(server_default="now()")
    deleted_at: Mapped[dt.datetime | None]
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('english', title)"), deferred=True
    )

    author: Mapped[User] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=post_categories)
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", order_by=lambda: (Comment.created_at, Comment.id)
    )


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default="now()")
    updated_at: Mapped[dt.datetime] = mapped_column(server_default="now()")
    deleted_at: Mapped[dt.datetime | None]

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
