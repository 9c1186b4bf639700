/* hetero-tool report: pan and zoom, search, tooltips and details for the inline graph. No dependencies.
 *
 * The graph is Graphviz's SVG. Layer nodes are <g id="layer-<id>" class="node">, subgraph nodes of the collapsed
 * view <g id="subgraph-<index>" class="node">. Pan and zoom rewrite the SVG's viewBox, kept at the viewport's
 * aspect ratio so that one user unit is always k screen pixels. The search index is the JSON in #report-data:
 * {view, layers: [[id, name, op type, device, subgraph], ...], subgraphs: [[index, device, layers], ...]}.
 * Text from the model only ever reaches the page through textContent.
 */
(function () {
  "use strict";
  const XLINK = "http://www.w3.org/1999/xlink";
  const MAX_LISTED = 100;
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const viewport = document.getElementById("viewport");
  const svg = document.getElementById("graph-svg");
  if (!viewport || !svg) return;

  const $ = (id) => document.getElementById(id);
  const search = $("search"), countEl = $("search-count"), matchesEl = $("matches");
  const details = $("details"), zoomLabel = $("zoom-level");
  const collapsed = data.view === "collapsed";
  const layers = data.layers;
  const lowered = layers.map((layer) => layer[1].toLowerCase());
  const byId = new Map(layers.map((layer, i) => [layer[0], i]));
  const subgraphs = new Map(data.subgraphs.map((sg) => [sg[0], sg]));
  const reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /* ---- tooltips: Graphviz puts them in xlink:title; keep them for our own tooltip and drop the native ones */
  const tips = new WeakMap();
  for (const a of svg.querySelectorAll("a")) {
    const text = a.getAttributeNS(XLINK, "title");
    const owner = a.closest("g.node, g.edge");
    if (text !== null && owner && !tips.has(owner)) tips.set(owner, text);
    a.removeAttributeNS(XLINK, "title");
  }
  for (const title of Array.from(svg.querySelectorAll("title"))) title.remove();

  const tip = document.createElement("div");
  tip.className = "tip";
  tip.setAttribute("role", "tooltip");
  document.body.appendChild(tip);

  /* ---- pan and zoom ---------------------------------------------------------------------------------- */
  /* `view` is where the user is; `drawn` is what the viewBox shows. During a gesture only a CSS transform maps
   * one onto the other (the compositor moves pixels: smooth even for a huge SVG); 180 ms after the gesture the
   * viewBox is set and the SVG repainted once, sharp. */
  const box = (svg.getAttribute("data-viewbox") || "0 0 100 100").split(/[\s,]+/).map(Number);
  const graph = { x: box[0], y: box[1], w: box[2] || 1, h: box[3] || 1 };
  const view = { x: graph.x, y: graph.y, k: 1 };
  const drawn = { x: graph.x, y: graph.y, k: 1, w: 0, h: 0 };
  let frame = 0, settle = 0;

  const size = () => [viewport.clientWidth || 1, viewport.clientHeight || 1];
  const fitScale = () => { const [w, h] = size(); return 0.96 * Math.min(w / graph.w, h / graph.h); };
  const limits = () => { const f = fitScale(); return [Math.min(f * 0.5, 0.5), Math.max(8, f * 2)]; };
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  /* Repaint the SVG at `view`: the sharp, expensive step. */
  function commit() {
    clearTimeout(settle);
    settle = 0;
    if (frame) { cancelAnimationFrame(frame); frame = 0; }
    const [w, h] = size();
    Object.assign(drawn, view, { w, h });
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${w / view.k} ${h / view.k}`);
    svg.style.transform = "";
    zoomLabel.textContent = zoomText();
  }
  /* Show `view` by moving the pixels already painted, then repaint once the user stops. */
  function preview() {
    frame = 0;
    const [w, h] = size();
    if (w !== drawn.w || h !== drawn.h) { commit(); return; }
    const s = view.k / drawn.k;
    svg.style.transform = `translate(${(drawn.x - view.x) * view.k}px, ${(drawn.y - view.y) * view.k}px) scale(${s})`;
    zoomLabel.textContent = zoomText();
    clearTimeout(settle);
    settle = setTimeout(commit, 180);
  }
  function zoomText() {
    const pct = view.k * 100;
    return (pct >= 10 ? Math.round(pct) : pct >= 1 ? pct.toFixed(1) : pct.toFixed(2)) + "%";
  }
  function update() { if (!frame) frame = requestAnimationFrame(preview); }

  function setView(x, y, k, animate) {
    if (!animate || reducedMotion) { Object.assign(view, { x, y, k }); commit(); return; }
    const from = Object.assign({}, view), start = performance.now(), ms = 260;
    const step = (now) => {
      const t = Math.min(1, (now - start) / ms), e = 1 - Math.pow(1 - t, 3);
      view.x = from.x + (x - from.x) * e; view.y = from.y + (y - from.y) * e; view.k = from.k + (k - from.k) * e;
      if (t < 1) { preview(); requestAnimationFrame(step); } else commit();
    };
    requestAnimationFrame(step);
  }
  function centerOn(cx, cy, k, animate) {
    const [w, h] = size();
    setView(cx - w / (2 * k), cy - h / (2 * k), k, animate);
  }
  function fit(animate) { centerOn(graph.x + graph.w / 2, graph.y + graph.h / 2, fitScale(), animate); }
  /* The first view: the whole graph when it is readable so, else the first layer at a readable scale. */
  function home(animate) {
    const f = fitScale();
    if (f >= 0.45) { fit(animate); return; }
    const [w] = size();
    const k = clamp(Math.min(1.25, (0.96 * w) / graph.w), Math.max(f, 0.8), 1.25);
    const first = collapsed ? document.getElementById("subgraph-0")
                            : layers.length ? document.getElementById("layer-" + layers[0][0]) : null;
    if (!first) { setView(graph.x + graph.w / 2 - w / (2 * k), graph.y - 8 / k, k, animate); return; }
    const b = graphBox(first);
    setView(b.x + b.w / 2 - w / (2 * k), b.y - 40 / k, k, animate);
  }
  function zoomAt(px, py, factor) {
    const [lo, hi] = limits();
    const k = clamp(view.k * factor, lo, hi);
    const ux = view.x + px / view.k, uy = view.y + py / view.k;
    Object.assign(view, { x: ux - px / k, y: uy - py / k, k });
    update();
  }
  function zoomCenter(factor) { const [w, h] = size(); zoomAt(w / 2, h / 2, factor); }

  /* An element's box in graph units (the SVG's user space), whatever the current view. */
  function graphBox(el) {
    const b = el.getBBox();
    const m = svg.getScreenCTM().inverse().multiply(el.getScreenCTM());
    const p = new DOMPoint(b.x, b.y).matrixTransform(m);
    const q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
    return { x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), w: Math.abs(q.x - p.x), h: Math.abs(q.y - p.y) };
  }
  function focusRect(r, animate) {
    const [w, h] = size();
    const [lo, hi] = limits();
    let k = clamp(Math.max(view.k, 1.1), lo, Math.min(hi, 2));
    k = Math.max(lo, Math.min(k, (0.8 * w) / Math.max(r.w, 1), (0.8 * h) / Math.max(r.h, 1)));
    centerOn(r.x + r.w / 2, r.y + r.h / 2, k, animate);
  }
  function focusElements(elements, animate) {
    if (!elements.length) return;
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const el of elements) {
      const b = graphBox(el);
      left = Math.min(left, b.x); top = Math.min(top, b.y);
      right = Math.max(right, b.x + b.w); bottom = Math.max(bottom, b.y + b.h);
    }
    focusRect({ x: left, y: top, w: right - left, h: bottom - top }, animate);
  }

  viewport.addEventListener("wheel", (event) => {
    if (event.target.closest(".overlay")) return;
    event.preventDefault();
    const r = viewport.getBoundingClientRect();
    const delta = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1);
    zoomAt(event.clientX - r.left, event.clientY - r.top, Math.exp(-delta * 0.0015));
  }, { passive: false });

  let drag = null;
  viewport.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || event.target.closest(".overlay")) return;
    drag = { id: event.pointerId, sx: event.clientX, sy: event.clientY, x: view.x, y: view.y, moved: false };
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) { hover(event); return; }
    const dx = event.clientX - drag.sx, dy = event.clientY - drag.sy;
    if (!drag.moved && Math.hypot(dx, dy) > 3) {
      drag.moved = true;
      viewport.classList.add("dragging");
      tip.style.display = "none";
    }
    if (drag.moved) { view.x = drag.x - dx / view.k; view.y = drag.y - dy / view.k; update(); }
  });
  const endDrag = (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const clicked = !drag.moved;
    drag = null;
    viewport.classList.remove("dragging");
    if (!clicked) commit();
    if (clicked && event.type === "pointerup") {
      const hit = document.elementFromPoint(event.clientX, event.clientY);
      const node = hit && hit.closest("#graph-svg g.node");
      if (node) showDetails(node, null);
    }
  };
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointercancel", endDrag);
  viewport.addEventListener("pointerleave", () => { tip.style.display = "none"; });

  function hover(event) {
    const owner = event.target.closest && event.target.closest("#graph-svg g.node, #graph-svg g.edge");
    const text = owner && tips.get(owner);
    if (!text) { tip.style.display = "none"; return; }
    tip.textContent = text;
    tip.style.display = "block";
    const pad = 14, w = tip.offsetWidth, h = tip.offsetHeight;
    const left = event.clientX + pad + w > window.innerWidth ? event.clientX - pad - w : event.clientX + pad;
    const top = event.clientY + pad + h > window.innerHeight ? event.clientY - pad - h : event.clientY + pad;
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = Math.max(4, top) + "px";
  }

  viewport.addEventListener("keydown", (event) => {
    const step = 60 / view.k;
    const keys = {
      "+": () => zoomCenter(1.25), "=": () => zoomCenter(1.25), "-": () => zoomCenter(0.8),
      "0": () => fit(true), "r": () => home(true), "R": () => home(true),
      "ArrowLeft": () => { view.x -= step; update(); }, "ArrowRight": () => { view.x += step; update(); },
      "ArrowUp": () => { view.y -= step; update(); }, "ArrowDown": () => { view.y += step; update(); },
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  $("zoom-in").addEventListener("click", () => zoomCenter(1.25));
  $("zoom-out").addEventListener("click", () => zoomCenter(0.8));
  $("fit").addEventListener("click", () => fit(true));
  $("reset").addEventListener("click", () => home(true));
  window.addEventListener("resize", update);

  /* ---- details ------------------------------------------------------------------------------------------ */
  let selected = null;
  function showDetails(node, layerIndex) {
    if (selected) selected.classList.remove("selected");
    selected = node;
    if (node) node.classList.add("selected");
    const lines = [];
    let name;
    if (layerIndex !== null && layerIndex !== undefined) {
      const layer = layers[layerIndex];
      name = layer[1];
      lines.push(`${layer[2]} · layer ${layer[0]} · ${layer[3]}` +
                 (layer[4] === null ? "" : ` · subgraph ${layer[4]}`));
      if (!collapsed && node && tips.get(node)) lines.push(...tips.get(node).split("\n").slice(1));
      else if (collapsed && node && tips.get(node)) lines.push("", `Subgraph ${layer[4]}:`, tips.get(node));
    } else if (node) {
      const text = tips.get(node) || "";
      const parts = text.split("\n");
      if (node.id.startsWith("layer-")) {
        const layer = layers[byId.get(Number(node.id.slice(6)))];
        name = layer ? layer[1] : parts[0];
        lines.push(...parts);
        if (layer && layer[4] !== null) lines.push(`subgraph ${layer[4]}`);
      } else {
        const index = Number(node.id.slice(9));
        const sg = subgraphs.get(index);
        name = `subgraph ${index}`;
        if (sg) lines.push(`${sg[1]} · ${sg[2]} layer${sg[2] === 1 ? "" : "s"}`);
        lines.push(...parts);
      }
    } else {
      details.classList.remove("open");
      return;
    }
    $("details-name").textContent = name;
    $("details-lines").textContent = lines.join("\n");
    details.classList.add("open");
  }
  $("details-close").addEventListener("click", () => showDetails(null, null));

  /* ---- search ------------------------------------------------------------------------------------------- */
  const state = { matches: [], targets: [], current: -1, lit: [] };

  function elementFor(i) {
    const layer = layers[i];
    if (collapsed) return layer[4] === null ? null : document.getElementById("subgraph-" + layer[4]);
    return document.getElementById("layer-" + layer[0]);
  }
  /* Exact names and ids first, then names containing the query, case-insensitive; each group in IR order. */
  function find(query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const idMatch = /^(?:#|id:?\s*)?(\d+)$/.exec(q);
    const id = idMatch ? Number(idMatch[1]) : null;
    const exact = [], partial = [];
    for (let i = 0; i < layers.length; i++) {
      if (lowered[i] === q || layers[i][0] === id) exact.push(i);
      else if (lowered[i].includes(q)) partial.push(i);
    }
    return exact.concat(partial);
  }
  function light(elements) {
    for (const el of state.lit) el.classList.remove("hit", "current");
    state.lit = elements;
    for (const el of elements) el.classList.add("hit");
    svg.classList.toggle("searching", elements.length > 0);
  }
  function setCount(text, kind) {
    countEl.textContent = text;
    countEl.className = "count" + (kind ? " " + kind : "");
  }
  function plural(n, word) { return `${n} ${word}${n === 1 ? "" : word.endsWith("ch") ? "es" : "s"}`; }

  function runSearch() {
    const matches = find(search.value);
    state.matches = matches;
    state.current = -1;
    const targets = [], seen = new Set();
    for (const i of matches) {
      const el = elementFor(i);
      if (el && !seen.has(el)) { seen.add(el); targets.push(el); }
    }
    state.targets = targets;
    light(targets);
    $("prev-match").disabled = $("next-match").disabled = matches.length === 0;
    if (!search.value.trim()) { setCount("", null); listMatches(); return; }
    if (!matches.length) { setCount("no match", "none"); listMatches(); return; }
    let text = plural(matches.length, "match");
    if (collapsed) {
      const where = new Set(matches.map((i) => layers[i][4]).filter((s) => s !== null));
      text += where.size === 1 ? ` · in subgraph ${where.values().next().value}` : ` · in ${where.size} subgraphs`;
    }
    setCount(text, "found");
    listMatches();
    go(0);
  }
  function go(position) {
    const n = state.matches.length;
    if (!n) return;
    state.current = ((position % n) + n) % n;
    const i = state.matches[state.current];
    const el = elementFor(i);
    for (const other of state.targets) other.classList.remove("current");
    if (el) { el.classList.add("current"); focusElements([el], true); }
    for (const item of matchesEl.querySelectorAll("li")) {
      item.classList.toggle("current", Number(item.dataset.position) === state.current);
    }
    showDetails(el, i);
  }
  function listMatches() {
    matchesEl.textContent = "";
    const n = state.matches.length;
    matchesEl.classList.toggle("open", n > 1);
    if (n <= 1) return;
    const list = document.createElement("ol");
    state.matches.slice(0, MAX_LISTED).forEach((i, position) => {
      const layer = layers[i];
      const item = document.createElement("li");
      item.dataset.position = String(position);
      const name = document.createElement("span");
      name.className = "n";
      name.textContent = layer[1];
      const what = document.createElement("span");
      what.className = "t";
      what.textContent = `${layer[2]} · ${layer[3]}` + (layer[4] === null ? "" : ` · sg ${layer[4]}`);
      item.append(name, what);
      item.addEventListener("click", () => go(position));
      list.appendChild(item);
    });
    matchesEl.appendChild(list);
    if (n > MAX_LISTED) {
      const more = document.createElement("div");
      more.className = "more";
      more.textContent = `… and ${n - MAX_LISTED} more: refine the search`;
      matchesEl.appendChild(more);
    }
  }

  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = 0; runSearch(); }, layers.length > 5000 ? 150 : 60);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (timer) { clearTimeout(timer); timer = 0; runSearch(); }  /* typed, not searched yet: first match */
      else if (state.matches.length) go(state.current + (event.shiftKey ? -1 : 1));
      else runSearch();
    } else if (event.key === "Escape") {
      search.value = "";
      runSearch();
      showDetails(null, null);
    }
  });
  $("next-match").addEventListener("click", () => go(state.current + 1));
  $("prev-match").addEventListener("click", () => go(state.current - 1));
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement && document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); search.focus(); search.select(); }
  });

  /* ---- subgraph buttons in the table -------------------------------------------------------------------- */
  for (const button of document.querySelectorAll("button[data-subgraph]")) {
    button.addEventListener("click", () => {
      const index = Number(button.dataset.subgraph);
      search.value = "";
      state.matches = []; state.current = -1;
      $("prev-match").disabled = $("next-match").disabled = true;
      listMatches();
      showDetails(null, null);
      let elements;
      if (collapsed) elements = [document.getElementById("subgraph-" + index)].filter(Boolean);
      else elements = layers.filter((layer) => layer[4] === index)
                            .map((layer) => document.getElementById("layer-" + layer[0])).filter(Boolean);
      state.targets = elements;
      light(elements);
      const sg = subgraphs.get(index);
      setCount(`subgraph ${index}` + (sg ? ` · ${sg[1]} · ${plural(sg[2], "layer")}` : ""), "found");
      $("graph").scrollIntoView({ behavior: reducedMotion ? "auto" : "smooth" });
      focusElements(elements, false);
      if (collapsed && elements.length) showDetails(elements[0], null);
    });
  }

  home(false);
})();
