// Injected by `archive serve` only: reload on rebuild, swap stylesheets in place, show build errors.
(() => {
  const overlayId = "archive-build-errors";

  function hideOverlay() {
    document.getElementById(overlayId)?.remove();
  }

  function showOverlay(lines) {
    hideOverlay();
    const box = document.createElement("div");
    box.id = overlayId;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "background:#2b0b0b;color:#ffd8d8;font:13px/1.5 ui-monospace,monospace;padding:1em 1.5em;" +
      "border-top:4px solid #e5484d;white-space:pre-wrap";
    const title = document.createElement("strong");
    title.textContent = "The last change broke the build; this is the last good version.";
    box.append(title, "\n\n", lines.join("\n")); // text, never markup: messages quote the editor's input
    document.body.append(box);
  }

  function refreshStyles() {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("v", Date.now());
      link.href = url.href;
    }
  }

  // The server's count of builds when it served this page: the stream starts from there, so a build that
  // finished while the page was still loading makes it reload at once instead of being missed.
  const epoch = document.currentScript?.dataset.epoch;
  const events = new EventSource("/__archive/events" + (epoch ? `?since=${encodeURIComponent(epoch)}` : ""));
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", () => { hideOverlay(); refreshStyles(); });
  events.addEventListener("errors", (event) => showOverlay(JSON.parse(event.data)));
})();
