// The search page: Pagefind's JavaScript API behind our own labelled form, with facets, entity
// suggestions from our prefix-sharded index, and the whole state in the URL (shareable, bookmarkable).
// A first query downloads little (bench/README.md): Pagefind runs in our small worker (search-worker.js), the
// facets' index loads when they are opened, only the results shown are fetched, and typing searches from the
// third letter. Entities that are only a name come from the suggestion index (nameMatches).
import { open } from "./search-engine.js";

const FILTERS = ["kind", "entity_type", "year", "publisher", "stance"];
const LABELS = { kind: "Kind", entity_type: "Entity type", year: "Year", publisher: "Publisher", stance: "Stance" };
const PAGE = 10; // results shown at a time
const FACET_VALUES = 12; // values shown per facet (the most frequent, plus any that are selected)
const SUGGESTIONS = 8; // entity suggestions shown, and entities that are only a name listed among the results
const TYPED_MIN = 3; // letters typed before a search runs by itself

const root = new URL("../", document.baseURI); // this page lives at <site>/search/
const bundle = new URL("pagefind/", root);
const form = document.getElementById("search");
const input = document.getElementById("q");
const sortSelect = document.getElementById("sort");
const optionsBox = form.querySelector(".search-options");
const facetsToggle = document.getElementById("facets-toggle");
const facetsChosen = facetsToggle.querySelector(".facets-chosen");
const facetsBox = document.getElementById("facets");
const statusLine = document.getElementById("status");
const results = document.getElementById("results");
const more = document.getElementById("more");
const list = document.getElementById("suggestions");

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- the engine -------------------------------------------------------------------------------

// {search(term, options), filters()} as in Pagefind's module; a result has `id` and `data()`.
let engine = null;
function pagefind() {
  engine ||= inWorker().catch(onPage);
  return engine;
}

const OPTIONS = { baseUrl: root.pathname, basePath: bundle.pathname, excerptLength: 24 };

function inWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("search-worker.js", import.meta.url), { type: "module" });
    const pending = new Map();
    let calls = 0;
    const call = (op, ...args) => new Promise((ok, fail) => {
      pending.set(++calls, { ok, fail });
      worker.postMessage({ id: calls, op, args });
    });
    worker.addEventListener("message", ({ data }) => {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if ("error" in data) waiting?.fail(new Error(data.error));
      else waiting?.ok(data.result);
    });
    worker.addEventListener("error", (event) => { // no module workers here, or it broke
      event.preventDefault();
      for (const waiting of pending.values()) waiting.fail(new Error("the search worker failed"));
      pending.clear();
      reject(new Error("the search worker failed"));
    });
    call("init", new URL("pagefind.js", bundle).href, OPTIONS).then(() => resolve({
      async search(term, options) {
        const found = await call("search", term, options);
        if (found === null) return null;
        const handle = found.handle;
        found.results = found.results.map((result, i) => ({ ...result, data: () => call("data", handle, i) }));
        return found;
      },
      filters: () => call("filters"),
    }), reject);
  });
}

// Without module workers: Pagefind on this page's thread.
function onPage() {
  return open(new URL("pagefind.js", bundle).href, OPTIONS);
}

// Only facet counts need the whole filter index (a filtered search loads the part it uses).
let filtersLoaded = null;
function loadFilters(engine) {
  filtersLoaded ||= engine.filters().catch((error) => {
    filtersLoaded = null;
    throw error;
  });
  return filtersLoaded;
}

function pagefindFilters(filters, except) {
  return Object.fromEntries(Object.entries(filters).filter(([key]) => key !== except)
    .map(([key, values]) => [key, { any: values }]));
}

// Only articles carry the `date` sort key: sorted by date, they come first, newest first, and the rest
// follow by relevance rather than vanish. Entities that are only a name (`named`) lead the rest.
async function find(engine, state, named) {
  const filters = pagefindFilters(state.filters);
  const byRelevance = await engine.search(state.q, { filters });
  if (byRelevance === null) return null;
  const names = named.filter((entry) => entityPasses(entry, state.filters)).map(nameResult);
  if (!state.sort) return { ...byRelevance, results: [...names, ...byRelevance.results] };
  const byDate = await engine.search(state.q, { filters, sort: { date: "desc" } });
  const dated = new Set(byDate.results.map((result) => result.id));
  return { ...byRelevance,
           results: [...byDate.results, ...names, ...byRelevance.results.filter((r) => !dated.has(r.id))] };
}

// A search with the facets' counts (which need the whole filter index): [search, counts].
async function counted(engine, state, named) {
  await loadFilters(engine);
  const search = await find(engine, state, named);
  return [search, search && await facetCounts(engine, state, search, named)];
}

// A facet's own counts ignore its own selection, so that choosing "article" still shows how many
// claims there are: one more search for each facet in use. `named` entities count too.
async function facetCounts(engine, state, search, named) {
  const counts = { ...(search.filters || {}) };
  for (const key of Object.keys(state.filters)) {
    const other = await engine.search(state.q, { filters: pagefindFilters(state.filters, key) });
    if (other?.filters?.[key]) counts[key] = other.filters[key];
  }
  for (const key of ["kind", "entity_type"]) {
    const others = Object.fromEntries(Object.entries(state.filters).filter(([k]) => k !== key));
    for (const entry of named.filter((e) => entityPasses(e, others))) {
      const value = key === "kind" ? "entity" : entry.t;
      counts[key] = { ...(counts[key] || {}), [value]: (counts[key]?.[value] || 0) + 1 };
    }
  }
  return counts;
}

// ---- entities that are only a name ------------------------------------------------------------

// Not in the full-text index (a page with nothing but the name): the suggestion index has every entity, so a
// query that matches the start of a name lists them, the most mentioned first.
async function nameMatches(q) {
  const query = fold(q);
  if (!query) return [];
  const entries = await suggestionsFor(query).catch(() => []);
  return entries.filter((entry) => !entry.f).slice(0, SUGGESTIONS);
}

// As Pagefind filters: each facet in use must hold a chosen value; an entity has a kind and a type only.
function entityPasses(entry, filters) {
  return Object.entries(filters).every(([key, values]) =>
    (key === "kind" && values.includes("entity")) || (key === "entity_type" && values.includes(entry.t)));
}

function nameResult(entry) {
  const data = {
    url: new URL(`entities/${entry.i}/`, root).pathname,
    meta: { title: entry.n, entity_type: entry.t },
    filters: { kind: ["entity"], entity_type: [entry.t] },
    excerpt: `Mentioned in ${entry.c} article${entry.c === 1 ? "" : "s"}.`,
  };
  return { id: `entity:${entry.i}`, data: async () => data };
}

// ---- state in the URL -------------------------------------------------------------------------

function stateFromUrl() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const key of FILTERS) {
    const values = params.getAll(key).filter(Boolean);
    if (values.length) filters[key] = values;
  }
  return { q: (params.get("q") || "").trim(), sort: params.get("sort") === "date" ? "date" : "", filters };
}

function stateFromForm() {
  const filters = {};
  for (const box of facetsBox.querySelectorAll("input[type=checkbox]:checked")) {
    (filters[box.name] ||= []).push(box.value);
  }
  return { q: input.value.trim(), sort: sortSelect.value, filters };
}

function saveState(state, push) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const key of FILTERS) for (const value of state.filters[key] || []) params.append(key, value);
  if (state.sort) params.set("sort", state.sort);
  const query = params.toString();
  const url = location.pathname + (query ? `?${query}` : "");
  if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"](null, "", url);
}

// ---- searching --------------------------------------------------------------------------------

let generation = 0; // a slower, older search never overwrites a newer one
let facetsOpen = false;
let current = null; // {state, named} of the results on the page

function clearResults() {
  results.replaceChildren();
  statusLine.textContent = "";
  optionsBox.hidden = true;
  more.hidden = true;
  current = null;
}

// `reveal`: the state comes from the URL, and the facets open to show a selection it makes.
async function run(state, reveal = false) {
  const mine = ++generation;
  input.value = state.q;
  sortSelect.value = state.sort;
  if (!state.q) return clearResults();
  const chosen = Object.values(state.filters).flat().length;
  if (reveal && chosen) facetsOpen = true;
  const counting = facetsOpen || chosen > 0; // a selection stays in the (maybe closed) facets, counted
  statusLine.textContent = "Searching…";
  let search, counts, named;
  try {
    const [engine, matches] = await Promise.all([pagefind(), nameMatches(state.q)]);
    named = matches;
    [search, counts] = counting ? await counted(engine, state, named) : [await find(engine, state, named)];
    if (search === null) return; // superseded by a newer search
  } catch (error) {
    if (mine === generation) {
      statusLine.textContent = "The search index could not be loaded. Browse the indexes below instead.";
    }
    return;
  }
  if (mine !== generation) return;
  current = { state, named };
  facetsChosen.textContent = chosen ? ` (${chosen} selected)` : "";
  showFacets();
  if (counting) renderFacets(counts, state.filters);
  else facetsBox.replaceChildren(); // counted when opened
  optionsBox.hidden = false;
  const total = search.results.length;
  statusLine.textContent = total === 0 ? `No results for “${state.q}”.`
    : `${total} result${total === 1 ? "" : "s"} for “${state.q}”.`;
  results.replaceChildren();
  let shown = 0;
  more.onclick = async () => {
    let batch;
    try {
      batch = await Promise.all(search.results.slice(shown, shown + PAGE).map((result) => result.data()));
    } catch (error) {
      if (mine === generation) statusLine.textContent = "Some results could not be loaded. Search again.";
      return;
    }
    if (mine !== generation) return;
    const first = results.children.length;
    for (const data of batch) results.append(resultItem(data));
    shown += batch.length;
    more.hidden = shown >= total;
    if (first > 0) results.children[first]?.querySelector("a")?.focus();
  };
  await more.onclick();
}

function resultItem(data) {
  const item = el("li", "result");
  const kind = (data.filters?.kind || [])[0] || "";
  const head = el("p", "result-head");
  head.append(el("span", `result-kind kind-${kind}`, kind));
  const title = el("a", "result-title", data.meta?.title || data.url);
  title.href = data.url;
  head.append(" ", title);
  item.append(head);
  const facts = [data.meta?.date, data.meta?.publisher, data.meta?.entity_type].filter(Boolean);
  if (facts.length) item.append(el("p", "result-meta", facts.join(" · ")));
  const excerpt = el("p", "result-excerpt");
  appendMarked(excerpt, data.excerpt || "");
  item.append(excerpt);
  return item;
}

// Pagefind's excerpt is escaped text with <mark> tags: keep the text and the marks, nothing else.
function appendMarked(target, html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const node of template.content.childNodes) {
    if (node.nodeName === "MARK") target.append(el("mark", "", node.textContent));
    else target.append(document.createTextNode(node.textContent));
  }
}

// ---- facets -----------------------------------------------------------------------------------

function showFacets() {
  facetsToggle.setAttribute("aria-expanded", String(facetsOpen));
  facetsBox.hidden = !facetsOpen;
}

// Opening the facets loads their index and counts the results shown; closing them keeps the selection.
facetsToggle.addEventListener("click", async () => {
  facetsOpen = !facetsOpen;
  showFacets();
  const now = current, mine = generation;
  if (!facetsOpen || !now || facetsBox.childElementCount) return;
  const [, counts] = await counted(await pagefind(), now.state, now.named).catch(() => []);
  if (mine !== generation) return;
  if (counts) renderFacets(counts, now.state.filters);
  else statusLine.textContent = "The filters could not be loaded.";
});

function renderFacets(counts, selected) {
  const focused = document.activeElement?.closest?.(".facets input");
  const keep = focused ? `${focused.name}=${focused.value}` : null;
  facetsBox.replaceChildren();
  for (const key of FILTERS) {
    const values = Object.entries(counts[key] || {});
    const chosen = selected[key] || [];
    const shownValues = values.filter(([value, n]) => n > 0 || chosen.includes(value))
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const visible = shownValues.filter(([value], i) => i < FACET_VALUES || chosen.includes(value));
    if (!visible.length) continue;
    const group = el("fieldset", "facet");
    group.append(el("legend", "", LABELS[key]));
    for (const [value, n] of visible) {
      const label = el("label");
      const box = el("input");
      Object.assign(box, { type: "checkbox", name: key, value, checked: chosen.includes(value) });
      label.append(box, ` ${value} `, el("span", "count", `(${n})`));
      group.append(label);
      if (keep === `${key}=${value}`) queueMicrotask(() => box.focus());
    }
    facetsBox.append(group);
  }
}

// ---- entity suggestions -----------------------------------------------------------------------

let manifest = null; // {next, capped}, once loaded (see shardFor)
let manifestLoading = null;
const shards = new Map();

function fold(text) {
  const bare = text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  return (bare.match(/[\p{L}\p{N}]+/gu) || []).join(" ");
}

function shardName(prefix) {
  return /^[a-z0-9]+$/.test(prefix) ? prefix : "u" + [...prefix].map((c) => c.codePointAt(0).toString(16)).join("-");
}

async function fetchJson(path) {
  const response = await fetch(new URL(path, root));
  return response.ok ? response.json() : null;
}

// The shard of the entities with a word starting with `word` (null: none), and whether it has them all (a
// split prefix's or a capped word's shard keeps the most mentioned).
function shardFor(word) {
  const chars = [...word];
  let length = 2;
  if (!(manifest.next.get(chars[0]) || "").includes(chars[1])) return null;
  while (chars.length > length && manifest.next.has(chars.slice(0, length).join(""))) {
    if (!manifest.next.get(chars.slice(0, length).join("")).includes(chars[length])) return null;
    length += 1;
  }
  const prefix = chars.slice(0, length).join("");
  return { name: shardName(prefix), complete: !manifest.next.has(prefix) && !manifest.capped.includes(prefix) };
}

async function loadManifest() {
  const found = await fetchJson("search/suggest/index.json");
  return { next: new Map(Object.entries(found?.next || {})), capped: found?.capped || [] };
}

// Every entity whose folded name or alias has the query as the start of its words, the most mentioned first.
async function suggestionsFor(query) {
  manifest ||= await (manifestLoading ||= loadManifest());
  const words = query.split(" ").filter((w) => [...w].length > 1);
  if (!words.length) return [];
  const choices = words.map(shardFor);
  if (choices.includes(null)) return []; // some word starts no word of any name
  const { name } = choices.find((choice) => choice.complete) || choices[0];
  if (!shards.has(name)) shards.set(name, fetchJson(`search/suggest/${name}.json`));
  const entries = (await shards.get(name)) || [];
  return entries.filter((e) => e.k.some((form) => ` ${form}`.includes(` ${query}`)));
}

let active = -1;
let suggestGeneration = 0;

function closeSuggestions() {
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

async function suggest() {
  const mine = ++suggestGeneration;
  const query = fold(input.value);
  const found = query ? (await suggestionsFor(query).catch(() => [])).slice(0, SUGGESTIONS) : [];
  if (mine !== suggestGeneration) return;
  if (!found.length) return closeSuggestions();
  list.replaceChildren();
  found.forEach((entry, i) => {
    const option = el("li", "suggestion");
    Object.assign(option, { id: `suggestion-${i}` });
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    const link = el("a", "", entry.n);
    link.href = new URL(`entities/${entry.i}/`, root).href;
    link.tabIndex = -1;
    option.append(link, el("span", "suggestion-meta",
      ` — ${entry.t}, ${entry.c} article${entry.c === 1 ? "" : "s"}`));
    option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
    option.addEventListener("click", (event) => { // anywhere on the option, not only on its name
      if (!event.target.closest("a")) location.href = link.href;
    });
    list.append(option);
  });
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  active = -1;
}

function moveActive(step) {
  const options = [...list.children];
  if (!options.length) return;
  options[active]?.setAttribute("aria-selected", "false");
  const slots = options.length + 1; // the options, and the box itself (-1)
  active = ((((active + 1 + step) % slots) + slots) % slots) - 1;
  if (active >= 0) {
    options[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", options[active].id);
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

input.addEventListener("keydown", (event) => {
  if (list.hidden) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    moveActive(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Enter" && active >= 0) {
    event.preventDefault();
    location.href = list.children[active].querySelector("a").href;
  } else if (event.key === "Escape") {
    closeSuggestions();
  }
});

// Typing searches from the third letter (one or two match too much to be worth the index chunks they
// download); before that, only suggestions show, and Enter searches anyway.
let typingTimer = 0;
input.addEventListener("input", () => {
  suggest();
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    const state = stateFromForm();
    saveState(state, false);
    if ([...fold(state.q).replaceAll(" ", "")].length >= TYPED_MIN) return run(state);
    ++generation; // too short: no search, and none still running may show its results
    clearResults();
  }, 250);
});
input.addEventListener("blur", () => setTimeout(closeSuggestions, 150));

// ---- the form ---------------------------------------------------------------------------------

form.addEventListener("submit", (event) => {
  event.preventDefault();
  closeSuggestions();
  const state = stateFromForm();
  saveState(state, true);
  run(state);
});
form.addEventListener("change", (event) => {
  if (event.target === input) return;
  const state = stateFromForm();
  saveState(state, true);
  run(state);
});
window.addEventListener("popstate", () => run(stateFromUrl(), true));

form.hidden = false; // hidden in the HTML: without JavaScript the page offers the indexes, not a dead box
run(stateFromUrl(), true);
if (!input.value) input.focus();
