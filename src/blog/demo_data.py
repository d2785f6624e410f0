"""A deterministic generator of blog demo data: users, profiles, posts, categories, tags, comments.

Pure Python, no database: :func:`generate_demo_data` turns :class:`DemoSizes` and a seed into rows
for each table, in the column order of the ``*_COLUMNS`` constants. :func:`blog.seed.seed_demo`
loads them with COPY. Ids come from :class:`DemoIds`: ``1..n`` by default, or the ids the loader
reserved from the tables' identity sequences.

Determinism: every random choice comes from one ``random.Random(seed)`` and every timestamp is an
offset from :data:`BASE_TIME`, so the same sizes and seed give the same rows on every machine and
every run; a different seed gives different rows.

Text is English-like: sentences follow small grammar templates filled from real English words
(nouns, verbs, adjectives, adverbs) drawn with Zipf-like weights, so a few words are common and
most are rare, as in real prose; titles draw from a short list of topic nouns so many titles share
words, and each post's content mentions its title's nouns. Full-text search finds posts by those
words.

Example::

    data = generate_demo_data(DemoSizes(users=10, posts=20, comments=50), seed=7)
    print(data.counts())   # {'users': 10, 'user_profiles': 10, 'posts': 20, ...}
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from itertools import accumulate, repeat
from typing import Final

from postsql.errors import SeedError

__all__ = [
    "BASE_TIME",
    "CATEGORY_COLUMNS",
    "COMMENT_COLUMNS",
    "DEMO_EMAIL_DOMAIN",
    "POST_CATEGORY_COLUMNS",
    "POST_COLUMNS",
    "POST_TAG_COLUMNS",
    "PROFILE_COLUMNS",
    "TAG_COLUMNS",
    "USER_COLUMNS",
    "DemoData",
    "DemoIds",
    "DemoSizes",
    "TextGenerator",
    "generate_demo_data",
    "max_categories",
    "max_tags",
]

#: Every generated timestamp lies within :data:`TIME_SPAN` before this instant (never wall-clock).
BASE_TIME: Final = datetime(2025, 1, 1, tzinfo=UTC)
TIME_SPAN: Final = timedelta(days=3 * 365)
#: Demo users' e-mail domain (``.example`` is reserved by RFC 2606: it never reaches a real inbox).
DEMO_EMAIL_DOMAIN: Final = "demo.example"

USER_COLUMNS: Final = (
    "id", "email", "name", "avatar", "role", "created_at", "updated_at", "deleted_at",
)  # fmt: skip
PROFILE_COLUMNS: Final = (
    "user_id", "bio", "website", "location", "preferences", "metadata", "created_at", "updated_at",
)  # fmt: skip
CATEGORY_COLUMNS: Final = ("id", "name", "slug", "description", "created_at", "updated_at")
TAG_COLUMNS: Final = ("id", "name", "slug", "created_at")
POST_COLUMNS: Final = (
    "id", "title", "content", "excerpt", "slug", "status", "published_at", "author_id",
    "view_count", "created_at", "updated_at", "deleted_at",
)  # fmt: skip
POST_CATEGORY_COLUMNS: Final = ("post_id", "category_id")
POST_TAG_COLUMNS: Final = ("post_id", "tag_id")
COMMENT_COLUMNS: Final = (
    "post_id", "author_id", "content", "created_at", "updated_at", "deleted_at",
)  # fmt: skip

Row = tuple[object, ...]

# -- vocabulary -------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Each list is in rough order of frequency: earlier words get larger Zipf weights.

_NOUNS: Final = _words(
    """
database query index server cache table schema migration transaction connection user team
service deployment release performance latency request response application system project
feature design test error log metric backup replica cluster network storage memory process
thread function module library framework language compiler interface pipeline workflow
container kernel file record column row partition shard lock deadlock timeout budget
customer product market strategy meeting manager engineer developer designer writer reader
story garden kitchen recipe coffee morning evening weekend journey mountain river city
village island forest ocean window museum concert teacher student school
lesson book chapter paragraph sentence grammar dictionary history science
experiment theory model dataset pattern algorithm structure tree graph stream queue buffer
signal sensor device battery engine vehicle bicycle train station airport ticket passport
camera photograph painting music guitar piano melody rhythm festival holiday season winter
summer autumn spring weather storm sunlight shadow silence question answer problem solution
idea opinion argument decision mistake habit routine practice skill craft tool hammer
notebook pencil letter message email invitation contract invoice payment price discount
warehouse factory office desk chair keyboard monitor screen browser website newsletter
podcast interview audience community neighbour friend family parent child doctor nurse
hospital medicine health exercise runner marathon football tennis harbour lighthouse bridge
tunnel highway castle cathedral bakery bread cheese orchard vineyard harvest
"""
)

_VERBS: Final = _words(
    """
improve reduce explain handle return store build measure replace support require change
cover protect describe compare follow shape guide connect separate extend limit simplify
deliver publish release review collect organise prepare discover create adapt balance
capture combine consider define design enable encourage gather highlight ignore inspire
maintain monitor notice observe predict prevent produce question recommend reflect reveal
schedule share slow speed survive transform trigger validate visit welcome wrap
"""
)

_ADJECTIVES: Final = _words(
    """
fast slow simple small large new old careful reliable quiet busy practical modern ancient
robust fragile expensive cheap clever honest bright dark warm cold fresh stale hidden
obvious subtle strange familiar gentle rough smooth heavy light narrow broad deep shallow
steady sudden rare common curious patient eager calm noisy elegant clumsy generous humble
brave lazy tidy messy sharp blunt ordinary remarkable sensible useful useless
distributed concurrent durable consistent scalable secure readable portable
"""
)

_ADVERBS: Final = _words(
    """
quickly slowly carefully quietly rarely often usually sometimes gradually suddenly clearly
simply finally eventually easily honestly surprisingly reliably gently steadily
"""
)

_DETERMINERS: Final = _words("the the this every each our their that one another")
_PREPOSITIONS: Final = _words(
    "in with for from across behind under over into through without during after before beyond near"
)
_CONJUNCTIONS: Final = _words("and but while because so although")
_CONNECTORS: Final = (
    "However,",
    "In practice,",
    "Meanwhile,",
    "Still,",
    "As a result,",
    "In our experience,",
    "For example,",
    "Later,",
    "At first,",
    "Of course,",
)
_INTROS: Final = (
    "This post looks at {0} and {1}.",
    "Lately we have been thinking about {0} and {1}.",
    "Here is what we learned about {0} and {1}.",
    "Every team meets {0} and {1} sooner or later.",
    "A short story about {0} and {1}.",
)

_FIRST_NAMES: Final = _words(
    """
Ada Alan Alice Amara Anna Arjun Beatriz Ben Carla Chen Chloe Daniel Diego Elena Emma Farah
Felix Grace Hana Hugo Ines Ivan Jamal Jia Jonas Julia Kai Kenji Lara Leo Lina Lucas Maya
Mateo Mei Nadia Nina Noah Olga Omar Pablo Priya Rafael Rosa Sam Sara Sofia Tariq Theo Uma
Victor Wei Yara Yusuf Zoe
"""
)
_LAST_NAMES: Final = _words(
    """
Abe Adeyemi Almeida Bauer Berg Costa Dubois Eriksen Fischer Garcia Haddad Hansen Ito Jensen
Kaur Kim Kowalski Laine Larsen Lopez Martin Moreau Nakamura Novak Okafor Olsen Park Patel
Perez Petrov Quinn Rossi Sato Schmidt Silva Singh Smith Suzuki Tanaka Torres Tran Varga
Walker Weber Wong Yilmaz Zhang
"""
)
_CITIES: Final = _words(
    """
Lisbon Berlin Osaka Lagos Lima Oslo Toronto Nairobi Seoul Madrid Dublin Prague Austin Quito
Hanoi Cairo Krakow Porto Melbourne Montreal
"""
)

_CATEGORY_TOPICS: Final = _words(
    """
Databases Performance Python Operations Security Testing Architecture Design Culture Career
Tutorials Releases Travel Food Music Books Science History Health Sports Photography
Gardening Writing Education Finance Productivity Community Hardware Networking Cloud
"""
)

_TITLE_PATTERNS: Final = (
    "How to {V} {A} {N}",
    "{A} {N} in {N}",
    "Notes on {A} {N}",
    "Why {N} {V3} {N}",
    "{N} and {N}: Lessons Learned",
    "A Practical Guide to {N}",
    "The {A} {N} Handbook",
    "When {N} Meets {N}",
    "Rethinking {N}",
    "{N} {N} Explained",
    "What {A} {N} Taught Us",
    "Ten Ways to {V} {N}",
)
_THEMES: Final = ("light", "dark", "system")
_SMALL_TITLE_WORDS: Final = frozenset({"to", "in", "on", "and", "a", "the", "of", "us"})


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


class _Lexicon:
    """Words with Zipf-like weights ``1 / (rank + 2.7) ** exponent`` (Mandelbrot's offset).

    Weights are baked into a sampling table in which each word appears in proportion to its weight
    (at least once), so a draw is one uniform index: several times faster than weighted
    ``random.choices``, which bisects cumulative weights for every word.
    """

    __slots__ = ("table", "words")

    def __init__(self, words: Sequence[str], exponent: float = 1.0, size: int = 8192) -> None:
        self.words = tuple(words)
        weights = [1.0 / (rank + 2.7) ** exponent for rank in range(len(words))]
        scale = size / sum(weights)
        self.table = tuple(
            word for word, weight in zip(words, weights, strict=True)
            for _ in range(max(1, round(weight * scale)))
        )  # fmt: skip

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.table, k=k)

    def one(self, rng: random.Random) -> str:
        return rng.choice(self.table)

    def styled(self, *, capital: bool, suffix: str) -> _Lexicon:
        """The same lexicon with each word capitalised and/or followed by ``suffix``."""
        styled = _Lexicon.__new__(_Lexicon)
        styled.words = tuple(_style(w, capital, suffix) for w in self.words)
        styled.table = tuple(_style(w, capital, suffix) for w in self.table)
        return styled


def _style(word: str, capital: bool, suffix: str) -> str:
    return (word[0].upper() + word[1:] if capital else word) + suffix


# Sentence templates: word classes and literal tokens ("=word"). A trailing "," on a class means
# "append a comma to the drawn word". The last element is the closing punctuation.
_TEMPLATES: Final = (
    ("D", "A", "N", "V3", "D", "N", "P", "D", "N", "."),
    ("D", "N", "V3", "R", "."),
    ("C", "D", "N", "V3", "D", "A", "N", "."),
    ("D", "N", "P", "D", "N", "V3", "D", "N", "."),
    ("D", "A", "N", "V3", "D", "N", "J", "D", "N", "V3", "D", "A", "N", "."),
    ("R,", "D", "N", "V3", "D", "N", "P", "D", "A", "N", "."),
    ("D", "N", "V3", "D", "N", "."),
    ("C", "D", "N", "P", "D", "A", "N", "V3", "R", "."),
    ("=why", "=is", "D", "N", "=so", "A", "?"),
    ("=we", "V", "D", "A", "N", "P", "D", "N", "."),
    ("D", "N", "V3", "D", "N", "J", "D", "N", "V3", "R", "."),
)


class TextGenerator:
    """English-like titles and sentences from a fixed vocabulary.

    Every method takes the ``random.Random`` to draw from, so the caller owns the seed. Ask for many
    sentences at once: :meth:`sentences` draws each template slot's words as one column and joins
    the columns without a Python-level loop per word.

    Example::

        text = TextGenerator()
        rng = random.Random(1)
        print(text.title(rng)[0], *text.sentences(rng, 3))
    """

    def __init__(self) -> None:
        verbs = _VERBS
        self._classes: dict[str, _Lexicon] = {
            "N": _Lexicon(_NOUNS),
            "V": _Lexicon(verbs),
            "V3": _Lexicon([_third_person(v) for v in verbs]),
            "A": _Lexicon(_ADJECTIVES),
            "R": _Lexicon(_ADVERBS),
            "D": _Lexicon(_DETERMINERS, 0.5),
            "P": _Lexicon(_PREPOSITIONS),
            "J": _Lexicon(_CONJUNCTIONS, 0.5),
            "C": _Lexicon(_CONNECTORS, 0.3),
        }
        # Titles draw nouns from the 60 most frequent, steeply weighted: many titles share words.
        self._topic = _Lexicon(_NOUNS[:60], 1.2)
        self._title_verbs = _Lexicon(verbs, 1.1)
        # Per template, per slot: a literal word or a lexicon styled for its position (capitalised
        # first word, comma, closing punctuation on the last word).
        self._templates: list[tuple[str | _Lexicon, ...]] = []
        for template in _TEMPLATES:
            body, end = template[:-1], template[-1]
            slots: list[str | _Lexicon] = []
            for position, token in enumerate(body):
                capital = position == 0
                suffix = end if position == len(body) - 1 else ""
                if token.startswith("="):
                    slots.append(_style(token[1:], capital, suffix))
                else:
                    comma = "," if token.endswith(",") else ""
                    lexicon = self._classes[token.rstrip(",")]
                    slots.append(lexicon.styled(capital=capital, suffix=comma + suffix))
            self._templates.append(tuple(slots))

    def sentences(self, rng: random.Random, n: int) -> list[str]:
        """``n`` sentences, each from a random template."""
        picks = rng.choices(range(len(self._templates)), k=n)
        uses = [0] * len(self._templates)
        for pick in picks:
            uses[pick] += 1
        made: list[Iterator[str]] = []
        for slots, m in zip(self._templates, uses, strict=True):
            columns = [
                repeat(slot, m) if isinstance(slot, str) else iter(slot.draw(rng, m))
                for slot in slots
            ]
            made.append(map(" ".join, zip(*columns, strict=False)))
        return [next(made[pick]) for pick in picks]

    def title(self, rng: random.Random) -> tuple[str, list[str]]:
        """A title-cased title and the topic nouns it uses (for the content to mention)."""
        pattern = rng.choice(_TITLE_PATTERNS)
        nouns: list[str] = []

        def fill(match: re.Match[str]) -> str:
            cls = match.group(1)
            if cls == "N":
                noun = self._topic.one(rng)
                while noun in nouns:  # "Cache and Cache" reads badly
                    noun = self._topic.one(rng)
                nouns.append(noun)
                return noun
            if cls == "V":
                return self._title_verbs.one(rng)
            if cls == "V3":
                return _third_person(self._title_verbs.one(rng))
            return self._classes[cls].one(rng)

        raw = re.sub(r"\{(N|V3|V|A)\}", fill, pattern)
        titled = [
            word if i and word in _SMALL_TITLE_WORDS else word[0].upper() + word[1:]
            for i, word in enumerate(raw.split(" "))
        ]
        return " ".join(titled), nouns

    def intro(self, rng: random.Random, nouns: Sequence[str]) -> str:
        """An opening sentence naming the title's topic nouns."""
        first = nouns[0] if nouns else self._topic.one(rng)
        second = nouns[-1] if len(nouns) > 1 else self._topic.one(rng)
        return rng.choice(_INTROS).format(first, second)


# -- sizes --------------------------------------------------------------------------------------


def max_categories() -> int:
    """How many distinct categories the generator can name (topics, then "X and Y" pairs)."""
    n = len(_CATEGORY_TOPICS)
    return n + n * (n - 1)


def max_tags() -> int:
    """How many distinct tags the generator can name (nouns, then "adjective-noun" pairs)."""
    return len(_NOUNS) + len(_ADJECTIVES) * len(_NOUNS)


@dataclass(frozen=True, slots=True)
class DemoSizes:
    """How many rows of each kind :func:`generate_demo_data` makes.

    Validated on construction: :class:`~postsql.errors.SeedError` names the offending field when a
    size is not a non-negative integer, exceeds what the generator can name uniquely, or is
    impossible (posts need an author, comments need a post). Every post gets 1-2 categories and
    0-4 tags when there are any, so those link tables' sizes follow from these.

    Example::

        DemoSizes(users=1_000, posts=5_000, comments=20_000)
        DemoSizes(users=-1)   # SeedError: DemoSizes.users must be >= 0, got -1
    """

    users: int = 50
    posts: int = 200
    comments: int = 1_000
    categories: int = 8
    tags: int = 30

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise SeedError(
                    f"DemoSizes.{f.name} must be an int, got {type(value).__name__} {value!r}"
                )
            if value < 0:
                raise SeedError(f"DemoSizes.{f.name} must be >= 0, got {value}")
        if self.posts and not self.users:
            raise SeedError(f"DemoSizes.posts={self.posts} needs users >= 1 to write them")
        if self.comments and not self.posts:
            raise SeedError(f"DemoSizes.comments={self.comments} needs posts >= 1 to comment on")
        if self.categories > max_categories():
            raise SeedError(
                f"DemoSizes.categories={self.categories} exceeds the {max_categories()} distinct "
                "category names the generator has"
            )
        if self.tags > max_tags():
            raise SeedError(
                f"DemoSizes.tags={self.tags} exceeds the {max_tags()} distinct tag names "
                "the generator has"
            )

    @property
    def total(self) -> int:
        """Rows of the sized tables (users, posts, comments, categories, tags)."""
        return self.users + self.posts + self.comments + self.categories + self.tags


# -- generation ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoData:
    """Generated rows per table, in the order of the matching ``*_COLUMNS`` constant.

    Ids and foreign keys are the :class:`DemoIds` the data was generated with.
    """

    users: list[Row] = field(default_factory=list)
    user_profiles: list[Row] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)
    tags: list[Row] = field(default_factory=list)
    posts: list[Row] = field(default_factory=list)
    post_categories: list[Row] = field(default_factory=list)
    post_tags: list[Row] = field(default_factory=list)
    comments: list[Row] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per table, in load order."""
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class DemoIds:
    """The ids rows get, per table with an identity column; the i-th row gets the i-th id."""

    users: Sequence[int]
    categories: Sequence[int]
    tags: Sequence[int]
    posts: Sequence[int]

    @classmethod
    def sequential(cls, sizes: DemoSizes) -> DemoIds:
        """Ids ``1..n`` per table, as a fresh database would assign them."""
        return cls(
            users=range(1, sizes.users + 1),
            categories=range(1, sizes.categories + 1),
            tags=range(1, sizes.tags + 1),
            posts=range(1, sizes.posts + 1),
        )

    def check(self, sizes: DemoSizes) -> None:
        """Raise :class:`~postsql.errors.SeedError` unless there is one id per row."""
        for name in ("users", "categories", "tags", "posts"):
            have, want = len(getattr(self, name)), getattr(sizes, name)
            if have != want:
                raise SeedError(f"DemoIds.{name} has {have} ids for {want} rows")


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _instant(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second instant in ``[start, end]`` (whole seconds: no float noise in the data)."""
    span = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, span))


def _zipf_cum(n: int, exponent: float) -> list[float]:
    return list(accumulate(1.0 / (rank + 2.7) ** exponent for rank in range(n)))


def _category_names(rng: random.Random, n: int) -> list[str]:
    topics = list(_CATEGORY_TOPICS)
    rng.shuffle(topics)
    names = topics[:n]
    for a in topics:
        for b in topics:
            if len(names) >= n:
                return names
            if a != b:
                names.append(f"{a} and {b}")
    return names


def _tag_names(rng: random.Random, n: int) -> list[str]:
    nouns = list(_NOUNS)
    rng.shuffle(nouns)
    names = nouns[:n]
    for adjective in _ADJECTIVES:
        for noun in nouns:
            if len(names) >= n:
                return names
            names.append(f"{adjective}-{noun}")
    return names


class _SentenceStream:
    """Sentences drawn in large batches (where :meth:`TextGenerator.sentences` is fast)."""

    def __init__(self, text: TextGenerator, rng: random.Random, batch: int) -> None:
        self._text, self._rng, self._batch = text, rng, max(1, batch)
        self._buffer: list[str] = []
        self._at = 0

    def take(self, n: int) -> list[str]:
        if self._at + n > len(self._buffer):
            rest = self._buffer[self._at :]
            self._buffer = rest + self._text.sentences(self._rng, max(self._batch, n))
            self._at = 0
        out = self._buffer[self._at : self._at + n]
        self._at += n
        return out


def generate_demo_data(sizes: DemoSizes, *, seed: int = 42, ids: DemoIds | None = None) -> DemoData:
    """Rows for every demo table; the same ``sizes`` and ``seed`` always give the same rows.

    Example::

        data = generate_demo_data(DemoSizes(users=3, posts=5, comments=8), seed=1)
        assert data == generate_demo_data(DemoSizes(users=3, posts=5, comments=8), seed=1)
    """
    ids = ids or DemoIds.sequential(sizes)
    ids.check(sizes)
    U, C, T, P = ids.users, ids.categories, ids.tags, ids.posts
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets; seeded for determinism
    text = TextGenerator()
    stream = _SentenceStream(text, rng, batch=min(50_000, 8 * sizes.posts + 3 * sizes.comments))
    data = DemoData()
    start = BASE_TIME - TIME_SPAN

    # Users and their profiles.
    user_created: list[datetime] = []
    for i in range(sizes.users):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        created = _instant(rng, start, BASE_TIME - timedelta(days=30))
        user_created.append(created)
        roll = rng.random()
        role = "ADMIN" if roll < 0.01 else "MODERATOR" if roll < 0.05 else "USER"
        avatar = f"https://avatars.{DEMO_EMAIL_DOMAIN}/{i + 1}.png" if rng.random() < 0.7 else None
        deleted = _instant(rng, created, BASE_TIME) if rng.random() < 0.03 else None
        updated = deleted or _instant(rng, created, created + timedelta(days=60))
        handle = f"{first.lower()}.{last.lower()}"
        email = f"{handle}.{i + 1}@{DEMO_EMAIL_DOMAIN}"
        data.users.append((U[i], email, f"{first} {last}", avatar, role, created, updated, deleted))
        bio = " ".join(stream.take(rng.randint(1, 2))) if rng.random() < 0.8 else None
        website = (
            f"https://{handle.replace('.', '')}.{DEMO_EMAIL_DOMAIN}/"
            if rng.random() < 0.3
            else None
        )
        location = rng.choice(_CITIES) if rng.random() < 0.6 else None
        preferences = {"newsletter": rng.random() < 0.4, "theme": rng.choice(_THEMES)}
        metadata = {"demo": True, "seed": seed}
        data.user_profiles.append(
            (U[i], bio, website, location, preferences, metadata, created, updated)
        )  # fmt: skip

    # Categories and tags.
    for i, name in enumerate(_category_names(rng, sizes.categories)):
        created = _instant(rng, start, start + timedelta(days=30))
        description = stream.take(1)[0] if rng.random() < 0.8 else None
        data.categories.append((C[i], name, _slugify(name), description, created, created))
    for i, name in enumerate(_tag_names(rng, sizes.tags)):
        data.tags.append((T[i], name, _slugify(name), _instant(rng, start, BASE_TIME)))

    # Posts: prolific authors write most of them (Zipf over a shuffled order of users).
    authors = list(range(sizes.users))
    rng.shuffle(authors)
    author_cum = _zipf_cum(sizes.users, 0.8)
    post_times: list[datetime] = []
    commentable: list[int] = []
    for i in range(sizes.posts):
        author = rng.choices(authors, cum_weights=author_cum)[0]
        title, nouns = text.title(rng)
        paragraphs = [" ".join(stream.take(rng.randint(2, 5))) for _ in range(rng.randint(2, 5))]
        lead = paragraphs[0]
        paragraphs[0] = text.intro(rng, nouns) + " " + lead
        content = "\n\n".join(paragraphs)
        excerpt = lead[: lead.find(".") + 1 or None] if rng.random() < 0.9 else None
        slug = f"{_slugify(title)[:60].rstrip('-')}-{i + 1}"
        created = _instant(rng, user_created[author], BASE_TIME)
        roll = rng.random()
        status = "PUBLISHED" if roll < 0.7 else "DRAFT" if roll < 0.9 else "ARCHIVED"
        published = None
        views = 0
        if status != "DRAFT":
            published = _instant(rng, created, created + timedelta(days=3))
            views = int(rng.paretovariate(1.2) * 25)
            commentable.append(i)
        deleted = _instant(rng, created, BASE_TIME) if rng.random() < 0.04 else None
        updated = max(x for x in (created, published, deleted) if x is not None)
        post_times.append(published or created)
        data.posts.append(
            (P[i], title, content, excerpt, slug, status, published, U[author], views, created,
             updated, deleted)
        )  # fmt: skip
        if sizes.categories:
            k = min(sizes.categories, rng.choice((1, 1, 2)))
            data.post_categories.extend(
                (P[i], C[c]) for c in sorted(rng.sample(range(sizes.categories), k))
            )
        if sizes.tags:
            k = min(sizes.tags, rng.randint(0, 4))
            data.post_tags.extend((P[i], T[t]) for t in sorted(rng.sample(range(sizes.tags), k)))

    # Comments: on published or archived posts (any post when there are none); popular posts and
    # chatty users get more of them.
    if sizes.comments:
        targets = commentable or list(range(sizes.posts))
        rng.shuffle(targets)
        commenters = list(range(sizes.users))
        rng.shuffle(commenters)
        on_posts = rng.choices(targets, cum_weights=_zipf_cum(len(targets), 0.7), k=sizes.comments)
        by_users = rng.choices(
            commenters, cum_weights=_zipf_cum(sizes.users, 0.7), k=sizes.comments
        )
        lengths = rng.choices((1, 1, 2, 2, 3, 4), k=sizes.comments)
        latest = BASE_TIME + timedelta(days=30)
        for post, author, length in zip(on_posts, by_users, lengths, strict=True):
            content = " ".join(stream.take(length))
            created = _instant(rng, post_times[post], latest)
            deleted = None
            if rng.random() < 0.05:
                deleted = _instant(rng, created, created + timedelta(days=7))
            data.comments.append(
                (P[post], U[author], content, created, deleted or created, deleted)
            )
    return data
