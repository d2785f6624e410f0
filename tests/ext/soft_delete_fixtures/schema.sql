-- The fixture schema of tests/ext/test_soft_delete.py: three soft-deletable tables, one that is
-- not, a view that hides soft-deleted posts and one that does not (it exposes deleted_at).
CREATE TABLE public.users (id bigint, name text, deleted_at timestamp with time zone);
CREATE TABLE public.posts (
    id bigint, author_id bigint, title text, deleted_at timestamp with time zone
);
CREATE TABLE public.tags (id bigint, name text);
CREATE TABLE public.comments (id bigint, post_id bigint, author_id bigint);
ALTER TABLE public.comments ADD COLUMN deleted_at timestamp with time zone;
CREATE VIEW public.live_posts AS
SELECT p.id, p.title FROM public.posts AS p WHERE p.deleted_at IS NULL;
CREATE VIEW public.all_posts AS
SELECT p.id, p.title, p.deleted_at FROM public.posts AS p;
CREATE VIEW public.all_posts_again AS
SELECT a.id, a.deleted_at FROM public.all_posts AS a;
