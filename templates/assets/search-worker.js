// Pagefind on a thread of its own, for the search page (search.js starts this as a module worker).
//
// Pagefind 1.5 runs its searches in a worker of its own, but that worker is a second copy of its code
// (pagefind-worker.js, 41 kB, fetched on top of pagefind.js, 46 kB). Here pagefind.js itself is imported into
// our worker, where it searches in place, and search.js talks to it with messages: {id, op, args} in,
// {id, result} or {id, error} out. The results of the latest searches stay here; search.js asks for the data
// (the fragment: URL, title, excerpt) of only the ones it shows.
import { open } from "./search-engine.js";

const KEEP = 16; // searches whose results can still be asked for (a page of results needs at most seven)

let pagefind = null;
const searches = new Map(); // handle -> the results of one search
let handles = 0;

const operations = {
  async init(url, options) {
    pagefind = await open(url, options);
  },
  async search(term, options) {
    const found = await pagefind.search(term, options);
    if (found === null) return null;
    const handle = ++handles;
    searches.set(handle, found.results);
    for (const old of searches.keys()) if (searches.size > KEEP) searches.delete(old);
    return {
      handle,
      results: found.results.map((result) => ({ id: result.id, score: result.score })),
      filters: found.filters,
      totalFilters: found.totalFilters,
      unfilteredResultCount: found.unfilteredResultCount,
    };
  },
  async data(handle, index) {
    const result = searches.get(handle)?.[index];
    if (!result) throw new Error("these results are gone: search again");
    return result.data();
  },
  filters() {
    return pagefind.filters();
  },
};

self.addEventListener("message", async ({ data: { id, op, args } }) => {
  try {
    self.postMessage({ id, result: await operations[op](...args) });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message || error) });
  }
});
