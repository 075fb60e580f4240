// The review page: filters over the rows, and a play button per segment that plays exactly
// that segment's span of the narration (from its first caption cue to the end of its last).
"use strict";
(() => {
  const form = document.getElementById("filters");
  const rows = Array.from(document.querySelectorAll("tr[data-kinds]"));
  const shown = document.getElementById("shown");
  const announce = document.getElementById("player-status");
  form.hidden = false;
  if (location.protocol !== "file:") {
    // Served by ``polyedition serve`` under /_review/: output/ is the server's root.
    for (const audio of document.querySelectorAll("audio[data-served-src]")) {
      audio.src = audio.dataset.servedSrc;
    }
  }

  const applyFilters = () => {
    const wanted = Array.from(form.querySelectorAll("input:checked"), (box) => box.value);
    let count = 0;
    for (const row of rows) {
      const kinds = row.dataset.kinds.split(" ");
      const visible = wanted.every((kind) => kinds.includes(kind));
      row.hidden = !visible;
      count += visible ? 1 : 0;
    }
    shown.textContent = `Showing ${count} of ${rows.length} segments`;
  };
  form.addEventListener("change", applyFilters);
  form.addEventListener("submit", (event) => event.preventDefault());

  let playing = null; // {button, audio, end, started}
  const stop = (message) => {
    if (!playing) return;
    playing.audio.pause();
    playing.button.setAttribute("aria-pressed", "false");
    playing = null;
    announce.textContent = message;
  };
  const watch = () => {
    if (!playing) return;
    if (playing.audio.paused && playing.started) {
      stop(`Paused ${playing.button.dataset.label}`);
      return;
    }
    if (playing.audio.currentTime >= playing.end || playing.audio.ended) {
      stop(`Played ${playing.button.dataset.label}`);
      return;
    }
    requestAnimationFrame(watch);
  };
  for (const button of document.querySelectorAll("button.play")) {
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      const audio = document.getElementById(button.dataset.audio);
      if (playing && playing.button === button) {
        stop(`Stopped ${button.dataset.label}`);
        return;
      }
      stop("");
      playing = { button, audio, end: Number(button.dataset.end) };
      button.setAttribute("aria-pressed", "true");
      audio.currentTime = Number(button.dataset.start);
      announce.textContent = `Playing ${button.dataset.label}`;
      const started = playing;
      audio.play().then(
        () => {
          started.started = true;
          watch();
        },
        () => stop(`Cannot play ${button.dataset.label}`),
      );
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") stop("Stopped");
  });
})();
