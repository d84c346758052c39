// The web edition's citation line: a paragraph's number is a permanent link to it; when a
// paragraph is the page's target (its number followed, or a link to it opened), a bar offers
// its citation ("Title, ¶ 12, p. 17 of the print edition") to copy. Without this script the
// link still works, and the citation is the number's title.
(function () {
  "use strict";
  var words = document.getElementById("cite-words");
  if (!words) return;
  var bar = document.createElement("div");
  bar.className = "cite-bar";
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", words.dataset.cite);
  bar.hidden = true;
  var label = document.createElement("span");
  label.className = "cite-label";
  label.textContent = words.dataset.cite + ": ";
  var line = document.createElement("input");
  line.className = "cite-line";
  line.readOnly = true;
  line.setAttribute("aria-label", words.dataset.cite);
  var copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = words.dataset.copy;
  bar.append(label, line, copy);
  document.body.append(bar);

  function show() {
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    var number = target && target.querySelector("a.pnum[data-cite]");
    if (!number) { bar.hidden = true; return; }
    line.value = number.dataset.cite;
    number.title = number.dataset.cite;
    copy.textContent = words.dataset.copy;
    bar.hidden = false;
  }
  copy.addEventListener("click", function () {
    line.select();
    var done = function () { copy.textContent = words.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(line.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
  window.addEventListener("hashchange", show);
  document.querySelectorAll("a.pnum[data-cite]").forEach(function (a) { a.title = a.dataset.cite; });
  show();
})();
