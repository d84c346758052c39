// The web edition's search page: Pagefind's index (pagefind/) read over HTTP, one result a
// paragraph, note, question or glossary entry, each leading to its place with its print page.
const form = document.querySelector(".search-form");
const input = document.getElementById("search-query");
const status = document.querySelector(".search-status");
const list = document.querySelector(".search-results");
let pagefind = null;

async function load() {
  try {
    pagefind = await import(new URL("pagefind/pagefind.js", document.baseURI).href);
    await pagefind.options({ baseUrl: new URL(".", document.baseURI).pathname });
    await pagefind.init();
  } catch (error) {
    document.querySelector(".search-unavailable").hidden = false;
    form.hidden = true;
  }
}

// Pagefind's excerpt is the record's text, escaped, with <mark> around what matched: only
// its text and its marks are taken, from an inert parse (the book's words are not trusted).
function excerpt(html) {
  const p = document.createElement("p");
  p.className = "search-excerpt";
  const parsed = new DOMParser().parseFromString(html, "text/html").body;
  for (const node of parsed.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      p.append(mark);
    } else {
      p.append(document.createTextNode(node.textContent));
    }
  }
  return p;
}

function item(data) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = data.url;
  const where = [data.meta.title, data.meta.where].filter(Boolean).join(" · ");
  link.textContent = where;
  li.append(link);
  if (data.meta.page) {
    const page = document.createElement("span");
    page.className = "search-page";
    page.textContent = ` (${status.dataset.page}\u00a0${data.meta.page})`;
    li.append(page);
  }
  li.append(excerpt(data.excerpt));
  return li;
}

async function search(query) {
  list.replaceChildren();
  if (!pagefind || !query.trim()) { status.textContent = ""; return; }
  const found = await pagefind.search(query);
  const results = await Promise.all(found.results.slice(0, 30).map((r) => r.data()));
  status.textContent = results.length
    ? status.dataset.results.replace("{count}", String(found.results.length))
    : status.dataset.nothing;
  list.append(...results.map(item));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  search(input.value);
});

await load();
const asked = new URLSearchParams(location.search).get("q");
if (asked) { input.value = asked; search(asked); }
