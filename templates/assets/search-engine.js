// Pagefind's module, opened on every index of the site. The site is indexed in parts, so that Pagefind's memory
// stays bounded while it builds them and an edit re-indexes only the parts it changed (generator/search.py);
// the bundle's indexes.json lists them. The first is opened and the others merged into it, in that order,
// which sorting by date relies on.
export async function open(url, options) {
  const [pagefind, parts] = await Promise.all([
    import(url),
    fetch(new URL("indexes.json", url), { cache: "no-cache" }).then((response) => {
      if (!response.ok) throw new Error(`the search index is missing (${response.status})`);
      return response.json();
    }),
  ]);
  const path = (part) => new URL(part, url).pathname;
  await pagefind.options({ ...options, basePath: path(parts[0]), noWorker: true });
  await pagefind.init();
  const { basePath, ...merged } = options; // (a part's own path is its base path)
  await Promise.all(parts.slice(1).map((part) => pagefind.mergeIndex(path(part), merged)));
  return pagefind;
}
