// Pagefind's module, opened on every index of the site. A large archive is indexed in parts, so that
// Pagefind's memory stays bounded while it builds them (generator/search.py); the bundle's indexes.json lists
// the parts to merge into the first. They are merged in that order, which sorting by date relies on.
export async function open(url, options) {
  const pagefind = await import(url);
  await pagefind.options({ ...options, noWorker: true });
  const parts = fetch(new URL("indexes.json", url), { cache: "no-cache" })
    .then((response) => (response.ok ? response.json() : []), () => []);
  await pagefind.init();
  const { basePath, ...merged } = options; // (a part's own path is its base path)
  await Promise.all((await parts).map((part) => pagefind.mergeIndex(new URL(part, url).pathname, merged)));
  return pagefind;
}
