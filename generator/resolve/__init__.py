"""resolve: every parsed document at once into the Archive: registries, references, the xref graph.

The only stage that sees all documents. References resolve by id first, then by name or alias;
what resolves to nothing becomes an implicit record, with a warning at the reference.
An edit of articles alone, or of records alone, can be applied to the last resolution instead (`update`).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import PurePosixPath
from typing import Iterator

from ..config import Config
from ..diagnostics import Diagnostic, Loc, did_you_mean
from ..ids import is_id, make_id, ref_key
from ..model import Appearance, Archive, Article, Claim, Document, Entity, Excerpt, Field, FirstMentions, Source

SUMMARY_LENGTH = 280


def summarise(text: str) -> str:
    if len(text) <= SUMMARY_LENGTH:
        return text
    cut = text[:SUMMARY_LENGTH].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def stem_id(doc: Document) -> str:
    return make_id(PurePosixPath(doc.path).stem)


def slug_of(article: Document) -> str:
    return article.get("slug") or stem_id(article)


def article_order(article: Article) -> tuple[date, str]:
    """The contract's order of articles: by date as written, then slug."""
    return article.day, article.slug


def listed(doc: Document | None) -> bool:
    """Whether the document is an article the site lists (not a draft)."""
    return doc is not None and doc.kind == "article" and not doc.get("draft")


def make_entity(rid: str, fields: dict[str, Field], where: Loc, doc: Document | None) -> Entity:
    """An entity as its record or front-matter entry describes it."""
    get = lambda key, default=None: fields[key].value if key in fields else default  # noqa: E731
    aliases = list(dict.fromkeys(f.value for f in get("aliases", [])))
    return Entity(id=rid, name=get("name", rid), type=get("type", "other"), aliases=aliases,
                  description=get("description", ""), links=get("links", {}), implicit=False, doc=doc,
                  defined_in=where.path)


def make_source(rid: str, fields: dict[str, Field], where: Loc, doc: Document | None) -> Source:
    """A source as its record or front-matter entry describes it, but for its publisher (an entity reference)."""
    get = lambda key, default=None: fields[key].value if key in fields else default  # noqa: E731
    day = get("date")
    known = {"title", "kind", "publisher", "date", "url"}
    return Source(id=rid, title=get("title", rid), kind=get("kind", "other"), publisher=None,
                  date=day.isoformat() if day else None, url=get("url"), doc=doc, defined_in=where.path,
                  extra={k: f.value for k, f in fields.items() if k not in known})


class _Resolver:
    def __init__(self, config: Config):
        self.config = config
        self.problems: list[Diagnostic] = []
        self.entities: dict[str, Entity] = {}
        self.entity_origin: dict[str, Loc] = {}
        self.sources: dict[str, Source] = {}
        self.source_origin: dict[str, Loc] = {}
        self.claims: dict[str, Claim] = {}
        self.names: dict[str, list[str]] = {}  # normalised name or alias -> entity ids
        self.refs: dict[str, str] = {}  # normalised reference -> entity id, as resolved
        self.own: dict[str, list[Diagnostic]] = {}  # article path -> the problems of its references

    # ---- registries ----------------------------------------------------------------------

    def _claim_id(self, what: str, rid: str, where: Loc, origins: dict[str, Loc]) -> bool:
        """Register `what` ('entity id', 'article slug', ...); two records with one id are an error naming both files."""
        if not rid:
            article = "an" if what[0] in "aeiou" else "a"
            self.problems.append(where.error(f"cannot make {article} {what} from this file name: rename the file"))
            return False
        if rid in origins:
            first = origins[rid]
            self.problems.append(where.error(f"{what} '{rid}' is already used by {first.path}:{first.line}"))
            return False
        origins[rid] = where
        return True

    def add_entity(self, rid: str, fields: dict[str, Field], where: Loc, doc: Document | None) -> None:
        if not self._claim_id("entity id", rid, where, self.entity_origin):
            return
        self.entities[rid] = make_entity(rid, fields, where, doc)

    def add_source(self, rid: str, fields: dict[str, Field], where: Loc, doc: Document | None) -> None:
        if not self._claim_id("source id", rid, where, self.source_origin):
            return
        self.sources[rid] = make_source(rid, fields, where, doc)
        if "publisher" in fields:
            self.pending_publishers.append((rid, fields["publisher"]))

    def index_names(self) -> None:
        for entity in self.entities.values():
            for name in dict.fromkeys(ref_key(n) for n in (entity.name, *entity.aliases)):
                self.names.setdefault(name, []).append(entity.id)

    # ---- references ----------------------------------------------------------------------

    def entity(self, ref: str, where: Loc) -> str | None:
        """The id of the entity `ref` names, creating an implicit entity if nothing matches."""
        key = ref_key(ref)  # never empty: the parser and the schema drop empty references
        if key in self.entities and not self.entities[key].implicit:
            found = key
        else:
            candidates = self.names.get(key, [])
            if len(candidates) > 1:
                first, second = sorted(candidates)[:2]
                self.problems.append(where.error(
                    f"ambiguous entity reference '{ref}': it names both '{first}' ({self.entity_origin[first].path})"
                    f" and '{second}' ({self.entity_origin[second].path}); use the id"))
                return None
            found = candidates[0] if candidates else self.refs.get(key) or self._implicit(ref)
        if self.entities[found].implicit:
            known = [e.name for e in self.entities.values() if not e.implicit]
            self.problems.append(where.warning(
                f"unknown entity '{ref}': created it implicitly{did_you_mean(ref, known)}"))
        self.refs[key] = found
        return found

    def _implicit(self, ref: str) -> str:
        base = make_id(ref) or "entity"
        rid, n = base, 2
        while rid in self.entities and not self.entities[rid].implicit:
            rid, n = f"{base}-{n}", n + 1
        if rid not in self.entities:
            self.entities[rid] = Entity(id=rid, name=" ".join(ref.split()), type="unknown", aliases=[],
                                        description="", links={}, implicit=True, doc=None, defined_in=None)
        return rid

    def entity_list(self, refs: list[Field]) -> list[str]:
        ids = (self.entity(f.value, f.loc) for f in refs)
        return sorted({i for i in ids if i})

    def source(self, ref: str, where: Loc) -> str | None:
        sid = ref.strip().lower()
        if sid in self.sources:
            return sid
        known = sorted(self.sources)
        self.problems.append(where.error(
            f"unknown source '{ref}': add content/sources/{make_id(ref) or 'id'}.md or a 'sources:' entry"
            f" in the front matter{did_you_mean(sid, known)}"))
        return None

    # ---- the whole archive ---------------------------------------------------------------

    def run(self, docs: list[Document]) -> Resolution:
        self.pending_publishers: list[tuple[str, Field]] = []
        by_kind: dict[str, list[Document]] = {"article": [], "entity": [], "claim": [], "source": []}
        for doc in docs:
            if doc.kind != "article" or listed(doc):
                by_kind[doc.kind].append(doc)
        for doc in by_kind["entity"]:
            self.add_entity(stem_id(doc), doc.fields, Loc(doc.path), doc)
        for doc in by_kind["source"]:
            self.add_source(stem_id(doc), doc.fields, Loc(doc.path), doc)
        for doc in by_kind["article"]:
            for rid, record in doc.get("entities", {}).items():
                self.add_entity(rid, record.value, record.loc, None)
            for rid, record in doc.get("sources", {}).items():
                self.add_source(rid, record.value, record.loc, None)
        self.index_names()
        claim_origin: dict[str, Loc] = {}
        records: dict[str, Document] = {}
        for doc in by_kind["claim"]:
            if self._claim_id("claim id", stem_id(doc), Loc(doc.path), claim_origin):
                records[stem_id(doc)] = doc
        articles = self.articles(by_kind["article"])
        self.make_claims(records, articles)
        for sid, field in self.pending_publishers:
            self.sources[sid].publisher = self.entity(field.value, field.loc)
        for doc in by_kind["entity"] + by_kind["claim"] + by_kind["source"]:
            self.problems += self.record_problems(doc)
        return Resolution(self.config, {doc.path: doc for doc in docs}, self.archive(articles), self,
                          {a.doc.path: a for a in articles}, len(articles) < len(by_kind["article"]))

    def record_problems(self, doc: Document, publisher: Field | None = None, claim: Claim | None = None
                        ) -> list[Diagnostic]:
        """Resolve the references of a record's own text (and a source record's `publisher`, or a claim record's
        `about` and `related`, when given: `run` resolves those apart); the problems they have."""
        with self._apart() as problems:
            if publisher is not None:
                self.entity(publisher.value, publisher.loc)
            if claim is not None:
                self.link_claim(claim, doc)
            for mention in doc.mentions:
                self.entity(mention.ref, mention.loc)
            for span in doc.claims:
                problems.append(span.loc.warning(
                    "claim annotations count only in articles: this one is shown as plain text"))
        return problems

    @contextmanager
    def _apart(self) -> Iterator[list[Diagnostic]]:
        """The problems found inside, kept apart from everything else's."""
        shared, self.problems = self.problems, []
        try:
            yield self.problems
        finally:
            self.problems = shared

    def articles(self, docs: list[Document]) -> list[Article]:
        slugs: dict[str, Loc] = {}
        articles = []
        for doc in docs:
            slug = slug_of(doc)
            if self._claim_id("article slug", slug, doc.loc("slug") if doc.get("slug") else Loc(doc.path), slugs):
                articles.append(self.article(doc, slug))
        articles.sort(key=article_order)
        for article in articles:
            self.own[article.doc.path] = self.annotate_alone(article)
        return articles

    def annotate_alone(self, article: Article) -> list[Diagnostic]:
        """Annotate the article; the problems of its references, kept apart from everything else's."""
        with self._apart() as problems:
            self.annotate(article)
        return problems

    def article(self, doc: Document, slug: str) -> Article:
        known = {"title", "date", "slug", "summary", "publisher", "wire", "authors", "original_url", "tags",
                 "source_note", "sources", "entities", "draft"}
        return Article(slug=slug, title=doc.get("title", slug), date=doc.get("date") or date(1970, 1, 1),
                       summary=doc.get("summary") or summarise(doc.first_paragraph), publisher=None, wire=None,
                       authors=[], original_url=doc.get("original_url"),
                       tags=list(dict.fromkeys(f.value for f in doc.get("tags", []))),
                       source_note=doc.get("source_note"),
                       extra={k: f.value for k, f in doc.fields.items() if k not in known}, doc=doc)

    def annotate(self, article: Article) -> None:
        """Resolve an article's references, in date order so that implicit ids are stable."""
        doc = article.doc
        if "publisher" in doc.fields:
            article.publisher = self.entity(doc.get("publisher"), doc.loc("publisher"))
        if "wire" in doc.fields:
            article.wire = self.entity(doc.get("wire"), doc.loc("wire"))
        article.authors = self.entity_list(doc.get("authors", []))
        firsts: dict[str, Excerpt] = {}
        for mention in doc.mentions:
            eid = self.entity(mention.ref, mention.loc)
            article.mentions.append(eid)
            if eid:
                firsts.setdefault(eid, mention.excerpt)
        article.first_mentions = FirstMentions.of(firsts)
        mentioned = set(firsts)
        sources = set(doc.get("sources", {}))
        for position, span in enumerate(doc.claims):
            if not is_id(span.claim):
                self.problems.append(span.loc.error(
                    f"claim id '{span.claim}' must be lowercase letters, digits and single hyphens"
                    + (f" (did you mean '{make_id(span.claim)}'?)" if make_id(span.claim) else "")))
                continue
            by = self.entity(span.by, span.by_loc) if span.by else None
            source = self.source(span.source, span.source_loc) if span.source else None
            if by:
                mentioned.add(by)
            if source:
                sources.add(source)
            article.appearances.append(Appearance(claim=span.claim, article=article.slug, text=span.text, by=by,
                                                  source=source, stance=span.stance, excerpt=span.excerpt,
                                                  position=position))
        mentioned.update(filter(None, [article.publisher, article.wire, *article.authors]))
        article.entities = sorted(mentioned)
        article.claims = sorted({a.claim for a in article.appearances})
        article.sources = sorted(sources)

    def make_claims(self, records: dict[str, Document], articles: list[Article]) -> None:
        for cid, doc in records.items():
            self.claims[cid] = Claim(id=cid, statement=doc.get("statement", cid), about=[], related=[],
                                     implicit=False, doc=doc)
        for article in articles:
            for appearance in article.appearances:
                claim = self.claims.get(appearance.claim)
                if claim is None:
                    claim = self.claims[appearance.claim] = Claim(
                        id=appearance.claim, statement=appearance.text, about=[], related=[], implicit=True, doc=None)
                claim.appearances.append(appearance)
        for cid, doc in records.items():
            self.link_claim(self.claims[cid], doc)

    def link_claim(self, claim: Claim, doc: Document) -> None:
        """A claim record's `about` entities and `related` claims (once every claim is known)."""
        claim.about = self.entity_list(doc.get("about", []))
        related = []
        for f in doc.get("related", []):
            if f.value in self.claims:
                related.append(f.value)
            else:
                self.problems.append(f.loc.error(f"unknown claim '{f.value}' in 'related'"
                                                 + did_you_mean(f.value, self.claims)))
        claim.related = sorted(set(related) - {claim.id})

    def archive(self, articles: list[Article]) -> Archive:
        entity_articles: dict[str, list[str]] = {eid: [] for eid in self.entities}
        citers: dict[str, list[str]] = {sid: [] for sid in self.sources}
        for article in articles:
            for eid in article.entities:
                entity_articles[eid].append(article.slug)
            for sid in article.sources:
                citers[sid].append(article.slug)
        return Archive(title=self.config.title, articles=articles,
                       entities=dict(sorted(self.entities.items())), claims=dict(sorted(self.claims.items())),
                       sources=dict(sorted(self.sources.items())), refs=self.refs,
                       entity_articles=entity_articles, source_citers=citers,
                       by_slug={a.slug: a for a in articles})


@dataclass
class Resolution:
    """A resolved archive and what it was resolved from: enough to apply an edit of articles to it alone."""

    config: Config
    docs: dict[str, Document]  # every document resolved (drafts too), by path
    archive: Archive
    resolver: _Resolver  # its registries annotate an edited article; its own problems are the records'
    live: dict[str, Article]  # article path -> its article (a draft, or a slug taken by another, has none)
    # whether an article that is no draft has none (its slug taken by another, or none to make): an edit of
    # another may give it one
    refused: bool = False
    # the records ("a:<slug>", "c:<id>") whose data updates changed since `touched` was last emptied; None: all
    touched: set[str] | None = None

    @property
    def problems(self) -> list[Diagnostic]:
        return [*self.resolver.problems, *chain.from_iterable(self.resolver.own.values())]  # (in C: an edit in serve)


def resolve(docs: list[Document], config: Config) -> Resolution:
    return _Resolver(config).run(docs)
