// The start page: point out the edition in the reader's preferred language. Never redirects;
// the reader chooses. The words come from the page (each entry carries them in its language).
(function () {
  "use strict";
  var box = document.getElementById("suggestion");
  var preferred = navigator.languages || [navigator.language];
  if (!box || !preferred) {
    return;
  }
  var entries = document.querySelectorAll(".choice[data-lang]");
  for (var i = 0; i < preferred.length; i += 1) {
    var code = String(preferred[i] || "").toLowerCase().split("-")[0];
    for (var j = 0; j < entries.length; j += 1) {
      var entry = entries[j];
      if (entry.getAttribute("data-lang") === code) {
        var link = entry.querySelector("a").cloneNode(true);
        link.setAttribute("lang", code);
        link.removeAttribute("class");
        box.setAttribute("lang", entry.getAttribute("data-suggestion-lang") || code);
        box.textContent = entry.getAttribute("data-suggestion") + " ";
        box.appendChild(link);
        box.hidden = false;
        entry.classList.add("choice-suggested");
        return;
      }
    }
  }
})();
