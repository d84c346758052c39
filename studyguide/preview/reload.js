// The preview's reload (studyguide serve): wait for a newer version of the book than the one
// this page shows, then reload. The page is complete without this script.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="studyguide-preview"]');
  if (!meta) {
    return;
  }
  var shown = meta.getAttribute("content");

  function pause(milliseconds) {
    return new Promise(function (resolve) { setTimeout(resolve, milliseconds); });
  }

  async function waitForChange() {
    for (;;) {
      try {
        var answer = await fetch("/_preview/wait?version=" + encodeURIComponent(shown),
                                 { cache: "no-store" });
        if (answer.ok) {
          var version = (await answer.text()).trim();
          if (version && version !== shown) {
            location.reload();
            return;
          }
        } else {
          await pause(1000);
        }
      } catch (error) {
        await pause(1000); // the server is restarting, or has stopped
      }
    }
  }

  waitForChange();
})();
