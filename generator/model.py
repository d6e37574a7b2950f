"""The data that flows between stages: parsed documents, then the resolved archive.

Parsed values keep references as written (resolution is a later stage); resolved values hold ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, Literal

from .diagnostics import Loc
from .digest import content_digest
from .pickling import by_fields, parsed_value

Kind = Literal["article", "entity", "claim", "source"]
STANCES = ("asserts", "reports", "supports", "disputes")
ENTITY_TYPES = ("person", "organization", "place", "group", "event", "other")
SOURCE_KINDS = ("report", "statement", "article", "dataset", "interview", "other")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative to the project root, with forward slashes
    kind: Kind
    data: bytes
    digest: str = field(default="", compare=False)  # of `data`: computed once, a build asks for it several times

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", content_digest(self.data))


# ---- parse stage ------------------------------------------------------------------------------


@by_fields
@parsed_value
class Excerpt:
    """The sentence around an annotation, with the annotated range marked by offsets."""

    sentence: str
    start: int
    end: int


@by_fields(interned=("ref",))
@parsed_value
class MentionRef:
    ref: str
    loc: Loc
    excerpt: Excerpt


@by_fields(interned=("claim", "by", "source", "stance"))
@parsed_value
class ClaimSpan:
    claim: str
    text: str
    by: str | None
    by_loc: Loc
    source: str | None
    source_loc: Loc
    stance: str
    loc: Loc
    excerpt: Excerpt


@by_fields
@parsed_value
class Field:
    """A front-matter value with the location of its value (or key, when the value is absent)."""

    value: Any
    loc: Loc
    key_loc: Loc | None = None  # where its key is written, in a mapping: problems with the key point there


@by_fields(interned=("kind",))
@dataclass(slots=True)
class Document:
    """One parsed file: front matter fields, the annotations found in the body, and the body as HTML with holes
    where resolution decides what to show (`render.markdown.fill`), packed (`parse.body.pack`). Its text
    is not kept: the one page that shows it, the annotated source view, reads the file again."""

    path: str
    kind: Kind
    fields: dict[str, Field]
    body: bytes | memoryview  # a view of shared memory in a build whose render worker is forked (`spill`)
    mentions: list[MentionRef] = field(default_factory=list)
    claims: list[ClaimSpan] = field(default_factory=list)
    first_paragraph: str = ""
    digest: str = ""  # of the file's bytes

    def get(self, key: str, default: Any = None) -> Any:
        f = self.fields.get(key)
        return default if f is None else f.value

    def loc(self, key: str) -> Loc:
        f = self.fields.get(key)
        return f.loc if f else Loc(self.path)


# ---- resolve stage ----------------------------------------------------------------------------


@dataclass(slots=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: list[str]
    description: str
    links: dict[str, str]
    implicit: bool
    doc: Document | None  # the record's file, None for implicit and article-local entities
    defined_in: str | None  # path of the file holding the record


@dataclass(slots=True)
class Source:
    id: str
    title: str
    kind: str
    publisher: str | None
    date: str | None
    url: str | None
    doc: Document | None
    defined_in: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FirstMentions:
    """The sentence of each entity's first mention in an article: two tuples, not a dict (100,000 articles hold
    1.5 million). The excerpts are the parse's own: copying their sentences into one string an article freed
    more than it took, but what it freed was between objects that stay, so it stayed the process's, and the
    peak at 100,000 articles did not fall (bench/README.md)."""

    ids: tuple[str, ...]  # the entities, in the order of their first mentions
    excerpts: tuple[Excerpt, ...]

    @classmethod
    def of(cls, excerpts: dict[str, Excerpt]) -> FirstMentions:
        return cls(tuple(excerpts), tuple(excerpts.values())) if excerpts else NO_MENTIONS

    def get(self, eid: str) -> Excerpt | None:
        try:
            return self.excerpts[self.ids.index(eid)]  # a few dozen at most: searched in C
        except ValueError:
            return None


NO_MENTIONS = FirstMentions((), ())


@dataclass(slots=True)
class Appearance:
    claim: str
    article: str  # slug
    text: str
    by: str | None
    source: str | None
    stance: str
    excerpt: Excerpt
    position: int  # order within the article


@dataclass(slots=True)
class Claim:
    id: str
    statement: str
    about: list[str]
    related: list[str]
    implicit: bool
    doc: Document | None
    appearances: list[Appearance] = field(default_factory=list)


def calendar_day(value: date | datetime) -> date:
    """The calendar date as written (a datetime keeps its own offset's date)."""
    return value.date() if isinstance(value, datetime) else value


@dataclass(slots=True)
class Article:
    slug: str
    title: str
    date: date | datetime
    summary: str
    publisher: str | None
    wire: str | None
    authors: list[str]
    original_url: str | None
    tags: list[str]
    source_note: str | None
    extra: dict[str, Any]
    doc: Document
    entities: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    appearances: list[Appearance] = field(default_factory=list)
    first_mentions: FirstMentions = NO_MENTIONS
    mentions: list[str | None] = field(default_factory=list)  # the entity of each mention in the body, in order
    # the date as a moment, which feeds sort by and show (midnight UTC for a date alone, UTC for a time without
    # an offset); kept, not computed when read: every rebuild sorts the site's feed by it
    moment: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = self.date
        moment = value if isinstance(value, datetime) else datetime.combine(value, time())
        self.moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    @property
    def day(self) -> date:
        """What the contract sorts by."""
        return calendar_day(self.date)

    @property
    def iso_date(self) -> str:
        return self.day.isoformat()

    @property
    def year(self) -> int:
        return self.date.year


@dataclass(slots=True)
class Archive:
    """Every record and the cross-reference graph between them; lists sorted as the contract says."""

    title: str
    articles: list[Article]  # by date, then slug
    entities: dict[str, Entity]
    claims: dict[str, Claim]
    sources: dict[str, Source]
    refs: dict[str, str]  # normalised reference -> entity id, for rendering mentions
    entity_articles: dict[str, list[str]]  # entity id -> article slugs, by date then slug
    source_citers: dict[str, list[str]]
    by_slug: dict[str, Article] = field(default_factory=dict)
