// Every page: "/" focuses the search box (the page's own on the search page).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  const box = document.getElementById("q") || document.getElementById("site-q");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
