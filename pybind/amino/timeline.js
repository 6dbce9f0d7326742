// amino.timeline's page: places every [data-a] element (times relative to the history's start, in
// data-unit) at the current scale, draws the axis ticks of the visible range, zooms and searches.
// Elements: a <g data-a data-b> holding a rect.bar (a .. b) and maybe a text (shown when it fits).
(function () {
  "use strict";
  const PAD = 10, MAX_WIDTH = 4e6, CHAR_PX = 5.6, TICK_PX = 110, SVG = "http://www.w3.org/2000/svg";
  const scroll = document.getElementById("scroll"), chart = document.getElementById("chart");
  const axis = document.getElementById("axis"), ticks = document.getElementById("ticks");
  const gridlines = document.getElementById("gridlines"), labelW = document.getElementById("labels").getBoundingClientRect().width;
  const span = Number(scroll.dataset.span), t0 = Number(scroll.dataset.t0), unit = scroll.dataset.unit;
  const units = unit === "line" ? [[1, ""]] : [[1e9, " s"], [1e6, " ms"], [1e3, " \u00b5s"], [1, " ns"]];
  const items = Array.from(document.querySelectorAll("[data-a]"), (g) => {
    const text = g.querySelector("text");
    return { a: Number(g.dataset.a), b: Number(g.dataset.b), bar: g.querySelector(".bar"), text,
             tw: text ? text.textContent.length * CHAR_PX + 6 : 0 };
  });
  // Below a few pixels per operation, bar outlines would hide the bars: drop them (class dense).
  const durations = Array.from(chart.querySelectorAll(".op"), (g) => g.dataset.b - g.dataset.a).sort((p, q) => p - q);
  const medianDuration = durations.length ? durations[durations.length >> 1] : 0;
  let scale = 1;

  const visibleWidth = () => Math.max(50, scroll.clientWidth - labelW);
  const fitScale = () => Math.max(1e-12, (visibleWidth() - 2 * PAD - 4) / span);
  const x = (t) => PAD + t * scale;
  function place(rect, a, b) {
    rect.setAttribute("x", x(a));
    rect.setAttribute("width", Math.max(2, (b - a) * scale));
  }

  function layout() {
    const width = Math.ceil(2 * PAD + span * scale);
    chart.setAttribute("width", width);
    axis.setAttribute("width", width);
    chart.classList.toggle("dense", medianDuration * scale < 4);
    for (const it of items) {
      if (it.bar) place(it.bar, it.a, it.b);
      if (it.text) {
        it.text.setAttribute("x", x(it.a) + 3);
        it.text.style.display = Math.max(2, (it.b - it.a) * scale) >= it.tw ? "" : "none";
      }
    }
    drawTicks();
  }

  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  // Ticks only over the visible range: a zoomed-in history can be millions of pixels wide. The unit
  // is the largest that the visible times reach (ms at 10 ms), with the decimals the step needs.
  function drawTicks() {
    const step = Math.max(1, niceStep(TICK_PX / scale));
    const from = (scroll.scrollLeft - PAD) / scale, to = from + visibleWidth() / scale;
    const reach = Math.max(Math.abs(t0), Math.abs(t0 + Math.min(span, to)));
    const [div, name] = units.find(([d]) => reach >= d) || units[units.length - 1];
    const decimals = Math.min(9, Math.max(0, Math.ceil(-Math.log10(step / div) - 1e-9)));
    const height = chart.height.baseVal.value;
    const tickEls = [], lineEls = [];
    for (let abs = Math.ceil((t0 + Math.max(0, from)) / step) * step; abs - t0 <= Math.min(span, to); abs += step) {
      const px = x(abs - t0);
      const tick = document.createElementNS(SVG, "line");
      tick.setAttribute("x1", px); tick.setAttribute("x2", px); tick.setAttribute("y1", 22); tick.setAttribute("y2", 30);
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", px + 2); label.setAttribute("y", 16);
      label.textContent = (unit === "line" ? "line " : "") + Number((abs / div).toFixed(decimals)) + name;
      const grid = document.createElementNS(SVG, "line");
      grid.setAttribute("x1", px); grid.setAttribute("x2", px); grid.setAttribute("y1", 0); grid.setAttribute("y2", height);
      tickEls.push(tick, label);
      lineEls.push(grid);
    }
    ticks.replaceChildren(...tickEls);
    gridlines.replaceChildren(...lineEls);
  }

  // New scale, keeping the time under `clientX` (default: the middle of the view) where it is.
  function zoomTo(newScale, clientX) {
    newScale = Math.min(Math.max(fitScale(), MAX_WIDTH / span), Math.max(fitScale(), newScale));
    const left = scroll.getBoundingClientRect().left + labelW;
    const px = clientX === undefined ? visibleWidth() / 2 : clientX - left;
    const t = (scroll.scrollLeft + px - PAD) / scale;
    scale = newScale;
    layout();
    scroll.scrollLeft = PAD + t * scale - px;
    drawTicks();
  }

  function zoomToRange(a, b) {
    const margin = Math.max((b - a) * 0.15, 1 / scale);
    zoomTo((visibleWidth() - 2 * PAD) / (b - a + 2 * margin));
    scroll.scrollLeft = PAD + (a - margin) * scale;
    // Now, not from the scroll event's next frame: a page dumped or printed right after the zoom
    // (the #window link, headless --dump-dom) must already show the window's ticks.
    drawTicks();
  }

  document.getElementById("zin").onclick = () => zoomTo(scale * 2);
  document.getElementById("zout").onclick = () => zoomTo(scale / 2);
  document.getElementById("zfit").onclick = () => zoomTo(fitScale());
  const windowButton = document.getElementById("zwin"), windowBand = axis.querySelector(".winband");
  if (windowButton && windowBand) windowButton.onclick = () => zoomToRange(Number(windowBand.dataset.a), Number(windowBand.dataset.b));
  scroll.addEventListener("wheel", (e) => {
    if (!e.ctrlKey && !e.metaKey) return;
    e.preventDefault();
    zoomTo(scale * Math.pow(1.002, -e.deltaY), e.clientX);
  }, { passive: false });
  let pending = false;
  scroll.addEventListener("scroll", () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; drawTicks(); });
  });
  window.addEventListener("resize", () => { if (scale < fitScale()) zoomTo(fitScale()); else drawTicks(); });

  // Search: the text of each operation (its <title> and label); Enter moves to the next match.
  const q = document.getElementById("q"), hitsText = document.getElementById("hits");
  const ops = Array.from(chart.querySelectorAll(".op"), (g) => ({ g, text: g.textContent.toLowerCase() }));
  let hits = [], current = -1, timer = 0, searched = "";
  function search() {
    const s = q.value.trim().toLowerCase();
    searched = s;
    hits = [];
    for (const o of ops) {
      const hit = s !== "" && o.text.includes(s);
      o.g.classList.toggle("hit", hit);
      o.g.classList.remove("current");
      if (hit) hits.push(o.g);
    }
    chart.classList.toggle("searching", s !== "");
    current = -1;
    hitsText.textContent = s === "" ? "" : `${hits.length} match${hits.length === 1 ? "" : "es"}${hits.length ? " (Enter: next)" : ""}`;
  }
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  q.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    if (q.value.trim().toLowerCase() !== searched) search();
    if (!hits.length) return;
    current = (current + 1) % hits.length;
    hits.forEach((g, i) => g.classList.toggle("current", i === current));
    hits[current].scrollIntoView({ block: "center", inline: "center" });
    hitsText.textContent = `${current + 1} of ${hits.length}`;
  });

  scale = fitScale();
  layout();
  // Links into the page: #q=TEXT searches, #window zooms to the violation window (both: #q=x&window).
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.has("q")) { q.value = hash.get("q"); search(); }
  if (hash.has("window") && windowButton && windowBand) windowButton.onclick();
})();
