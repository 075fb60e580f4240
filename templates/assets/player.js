/* polyedition player: enhances the "Listen to this article" block (templates/partials/listen.html).
   Without this script the native player, its caption and chapter tracks and the download link
   still work. With it: play/pause, ±15 s, previous/next section, speed, the list of sections,
   read-along highlighting driven by the caption cues (a cue's id is "<element id>.<n>", the id
   of the sentence's span on the page; an element without sentence spans is highlighted whole),
   click or Enter on a paragraph to listen from there, and Media Session metadata. Every label comes
   from the block's data-label-* attributes, in the page's language. */
(function () {
  "use strict";

  var DEFAULT_SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var SKIP_SECONDS = 15;
  var RESTART_SECONDS = 3;
  var USER_SCROLL_GRACE_MS = 4000;
  var SPEED_KEY = "polyedition-speed";

  function elementIdOf(cue) {
    var dot = cue.id.lastIndexOf(".");
    return dot > 0 ? cue.id.slice(0, dot) : cue.id;
  }

  function clock(seconds) {
    var whole = Math.max(0, Math.floor(seconds));
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var s = String(whole % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function trackElement(audio, kind) {
    return audio.querySelector('track[kind="' + kind + '"]');
  }

  /* The cues of a <track>, loaded without the browser showing them. */
  function loadCues(track) {
    return new Promise(function (resolve) {
      if (!track) return resolve([]);
      var done = function () { resolve(Array.prototype.slice.call(track.track.cues || [])); };
      track.track.mode = "hidden";
      if (track.readyState === 2) return done();
      track.addEventListener("load", done, { once: true });
      track.addEventListener("error", function () { resolve([]); }, { once: true });
    });
  }

  /* The last cue starting at or before t (cues are in time order). */
  function cueAt(cues, t) {
    var low = 0;
    var high = cues.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (cues[middle].startTime <= t + 0.001) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  function setup(block) {
    var audio = block.querySelector("audio");
    if (!audio) return;
    var label = block.dataset;
    var lang = document.documentElement.lang || undefined;
    var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
    var captions = [];
    var chapters = [];
    var starts = {};
    var current = null;
    var lastUserScroll = 0;
    var engaged = false;

    /* --- controls ------------------------------------------------------------------------ */
    var controls = make("div", "listen-controls");
    controls.setAttribute("role", "group");
    controls.setAttribute("aria-labelledby", "listen-label");

    function button(text, className, action) {
      var element = make("button", "listen-button " + className, text);
      element.type = "button";
      element.addEventListener("click", action);
      controls.appendChild(element);
      return element;
    }

    var play = button(label.labelPlay, "listen-play", function () {
      if (audio.paused) audio.play(); else audio.pause();
    });
    button(label.labelBack, "listen-back", function () { seek(audio.currentTime - SKIP_SECONDS); });
    button(label.labelForward, "listen-forward", function () {
      seek(audio.currentTime + SKIP_SECONDS);
    });
    var previous = button(label.labelPrevious, "listen-previous", previousSection);
    var next = button(label.labelNext, "listen-next", nextSection);

    var speedLabel = make("label", "listen-speed");
    var speedId = "listen-speed-" + Math.random().toString(36).slice(2, 8);
    speedLabel.htmlFor = speedId;
    speedLabel.textContent = label.labelSpeed + " ";
    var speed = make("select");
    speed.id = speedId;
    /* Speeds and their labels come from the page (formatted by Babel) when it has them. */
    var speeds = label.speeds ? label.speeds.split(" ").map(Number) : DEFAULT_SPEEDS;
    var format = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    var speedLabels = label.speedLabels ? label.speedLabels.split("|") : [];
    speeds.forEach(function (value, index) {
      var text = speedLabels[index] || format.format(value) + "\u00d7";
      var option = make("option", "", text);
      option.value = String(value);
      speed.appendChild(option);
    });
    speed.value = "1";
    try {
      var saved = window.localStorage.getItem(SPEED_KEY);
      if (saved && speeds.indexOf(Number(saved)) >= 0) speed.value = saved;
    } catch (error) { /* storage may be disabled: keep 1× */ }
    speed.addEventListener("change", function () {
      audio.playbackRate = Number(speed.value);
      try { window.localStorage.setItem(SPEED_KEY, speed.value); } catch (error) { /* ignore */ }
    });
    speedLabel.appendChild(speed);
    controls.appendChild(speedLabel);
    audio.insertAdjacentElement("afterend", controls);

    var hint = make("span", "listen-hint", label.labelPlayFrom);
    hint.id = "listen-hint";
    hint.hidden = true;
    controls.appendChild(hint);

    function seek(t) {
      var end = isFinite(audio.duration) ? audio.duration : Infinity;
      audio.currentTime = Math.min(Math.max(0, t), end);
    }

    function chapterIndex() { return cueAt(chapters, audio.currentTime); }

    function previousSection() {
      var index = chapterIndex();
      if (index < 0) return seek(0);
      var here = chapters[index].startTime;
      seek(audio.currentTime - here > RESTART_SECONDS || index === 0
        ? here : chapters[index - 1].startTime);
    }

    function nextSection() {
      var index = chapterIndex();
      if (index + 1 < chapters.length) seek(chapters[index + 1].startTime);
    }

    /* --- the list of sections ------------------------------------------------------------ */
    var list = make("ol", "listen-chapter-list");

    function buildChapters() {
      if (!chapters.length) {
        previous.hidden = next.hidden = true;
        return;
      }
      var details = make("details", "listen-chapters");
      details.appendChild(make("summary", "", label.labelSections));
      chapters.forEach(function (cue) {
        var item = make("li");
        var go = make("button", "listen-chapter", cue.text + " ");
        go.type = "button";
        go.appendChild(make("span", "listen-chapter-time", clock(cue.startTime)));
        go.addEventListener("click", function () {
          seek(cue.startTime);
          audio.play();
        });
        item.appendChild(go);
        list.appendChild(item);
      });
      details.appendChild(list);
      controls.insertAdjacentElement("afterend", details);
    }

    function markChapter() {
      var index = chapterIndex();
      Array.prototype.forEach.call(list.querySelectorAll(".listen-chapter"), function (item, i) {
        if (i === index) item.setAttribute("aria-current", "true");
        else item.removeAttribute("aria-current");
      });
    }

    /* --- read-along ---------------------------------------------------------------------- */
    /* The sentence being read carries aria-current, which assistive technology reports when
       the reader reaches it; nothing is announced as it moves (no live region, no focus). */
    function highlight() {
      var index = cueAt(captions, audio.currentTime);
      var cue = index >= 0 ? captions[index] : null;
      var active = cue && audio.currentTime < cue.endTime + 0.5 ? cue : null;
      var element = active ? document.getElementById(active.id) ||
        document.getElementById(elementIdOf(active)) : null;
      if (element === current) return;
      if (current) {
        current.classList.remove("listen-current");
        current.removeAttribute("aria-current");
      }
      current = element;
      if (!element) return;
      element.classList.add("listen-current");
      element.setAttribute("aria-current", "true");
      if (!audio.paused && !reducedMotion.matches &&
          Date.now() - lastUserScroll > USER_SCROLL_GRACE_MS) {
        var box = element.getBoundingClientRect();
        if (box.top < 0 || box.bottom > window.innerHeight) {
          element.scrollIntoView({ block: "center", behavior: "smooth" });
        }
      }
    }

    ["wheel", "touchmove", "keydown"].forEach(function (type) {
      window.addEventListener(type, function () { lastUserScroll = Date.now(); },
        { passive: true });
    });

    /* Once the listener has pressed play, each read passage plays from its start on a click,
       or on Enter when focused (only then: before, a click on the text is just a click). */
    function engage() {
      if (engaged) return;
      engaged = true;
      block.classList.add("listen-engaged");
      makeSeekable();
    }

    function makeSeekable() {
      Object.keys(starts).forEach(function (id) {
        var element = document.getElementById(id);
        if (!element || element.closest(".listen")) return;
        element.classList.add("listen-seekable");
        if (!element.hasAttribute("tabindex")) element.tabIndex = 0;
        element.setAttribute("aria-describedby", hint.id);
      });
    }

    function seekable(target) {
      var element = target.closest && target.closest(".listen-seekable");
      if (!element || target.closest("a, button, input, select, textarea, summary")) return null;
      return element;
    }

    document.addEventListener("click", function (event) {
      var element = seekable(event.target);
      var selection = window.getSelection();
      if (!element || (selection && String(selection).length)) return;
      seek(starts[element.id]);
      audio.play();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      var element = seekable(event.target);
      if (!element || event.target !== element) return;
      event.preventDefault();
      seek(starts[element.id]);
      audio.play();
    });

    /* --- state --------------------------------------------------------------------------- */
    function showState() {
      play.textContent = audio.paused ? label.labelPlay : label.labelPause;
      play.setAttribute("aria-pressed", String(!audio.paused));
    }

    audio.addEventListener("play", function () { engage(); showState(); });
    audio.addEventListener("pause", showState);
    audio.addEventListener("ended", showState);
    ["timeupdate", "seeked", "loadedmetadata"].forEach(function (type) {
      audio.addEventListener(type, function () { highlight(); markChapter(); });
    });
    audio.addEventListener("loadedmetadata", function () {
      audio.playbackRate = Number(speed.value);
    });
    audio.addEventListener("ratechange", function () {
      if (String(audio.playbackRate) !== speed.value &&
          speeds.indexOf(audio.playbackRate) >= 0) {
        speed.value = String(audio.playbackRate);
      }
    });
    showState();

    if ("mediaSession" in navigator && window.MediaMetadata) {
      navigator.mediaSession.metadata = new window.MediaMetadata({
        title: label.title, artist: label.artist, album: label.album
      });
      var actions = {
        play: function () { audio.play(); },
        pause: function () { audio.pause(); },
        seekbackward: function () { seek(audio.currentTime - SKIP_SECONDS); },
        seekforward: function () { seek(audio.currentTime + SKIP_SECONDS); },
        previoustrack: previousSection,
        nexttrack: nextSection,
        seekto: function (details) { seek(details.seekTime); }
      };
      Object.keys(actions).forEach(function (action) {
        try { navigator.mediaSession.setActionHandler(action, actions[action]); }
        catch (error) { /* an action this browser does not know */ }
      });
    }

    Promise.all([
      loadCues(trackElement(audio, "captions")),
      loadCues(trackElement(audio, "chapters"))
    ]).then(function (loaded) {
      captions = loaded[0];
      chapters = loaded[1];
      captions.forEach(function (cue) {
        var id = elementIdOf(cue);
        if (!(id in starts)) starts[id] = cue.startTime;
      });
      buildChapters();
      if (engaged) makeSeekable();
      block.setAttribute("data-listen-ready", "");
      highlight();
      markChapter();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-listen]"), setup);
})();
