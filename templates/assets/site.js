// Every page: "/" focuses the search box (the page's own on the search page).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const typedInto = target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)
    || (target.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|image|range|color|file)$/.test(target.type));
  if (typedInto) return; // a "/" typed into a field is text; from a checkbox or a button it is the shortcut
  const box = document.getElementById("q") || document.getElementById("site-q");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
