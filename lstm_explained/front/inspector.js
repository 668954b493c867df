// The lstm-explained gate inspector, drawn in the browser from a compact payload.
//
// One ES module for every place the inspector shows: the exported HTML file
// (lstm_explained.export.inspector_html, with a small stand-in model) and the course
// site, in anywidget's shape: render({model, el}). The model holds "_meta" (JSON: labels,
// the cell kind's names, symbols, colours and colour maps, where each array sits) and
// "_data" (the arrays, gzip; see lstm_explained/inspector_data.py), plus the state
// "timestep", "sample" (a position in _meta.samples), "layer" (a name) and "units".
// Every string from a trace is set as text (textContent, SVG text nodes), never as markup.
// With a "lab" entry in _meta, the gate lab's panel (lab_panel.js, with lab.js inlined in
// front of this file) adds a counterfactual rerun, its clamp in the model's "clamps".
/* global LabPanel */

const SVG = "http://www.w3.org/2000/svg";
const SPEEDS = [0.5, 1, 2, 4];
const BASE_INTERVAL = 400; // ms per step at speed 1
const MAX_UNITS = 8;
const HEAT_W = 456;
const HEAT_H = 52;

// -- small DOM helpers ------------------------------------------------------------------
function h(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function s(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}
function svgBox(w, ht, label) {
  return s("svg", { width: w, height: ht, viewBox: `0 0 ${w} ${ht}`, role: "img",
    "aria-label": label, class: "lxi-svg" });
}
// A symbol's plain text ("C_{t-1}", "f_t⊙C_{t-1}") with its subscripts as subscripts.
function symbolParts(text) {
  const parts = [];
  let rest = text;
  while (rest.length) {
    const i = rest.indexOf("_");
    if (i < 0 || i === rest.length - 1) { parts.push([rest, false]); break; }
    if (i > 0) parts.push([rest.slice(0, i), false]);
    if (rest[i + 1] === "{" && rest.indexOf("}", i) > 0) {
      const j = rest.indexOf("}", i);
      parts.push([rest.slice(i + 2, j), true]);
      rest = rest.slice(j + 1);
    } else {
      parts.push([rest[i + 1], true]);
      rest = rest.slice(i + 2);
    }
  }
  return parts;
}
function symbolHtml(node, text) {
  for (const [part, sub] of symbolParts(text)) {
    node.append(sub ? h("sub", {}, part) : document.createTextNode(part));
  }
  return node;
}
function symbolSvg(node, text) {
  for (const [part, sub] of symbolParts(text)) {
    node.append(sub ? s("tspan", { "baseline-shift": "sub", class: "lxi-sub" }, part)
      : document.createTextNode(part));
  }
  return node;
}
function labelled(text, control) {
  const lab = h("label", { class: "lxi-field" });
  lab.append(h("span", {}, text), control);
  return lab;
}

// -- the payload ------------------------------------------------------------------------
function asBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof DataView) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error("the inspector's data is missing");
}

async function inflate(bytes) {
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot unpack the inspector's data (no DecompressionStream); " +
      "open the file in a current Chrome, Edge, Firefox or Safari");
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function readInts(raw, entry, Type) {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const size = Type.BYTES_PER_ELEMENT;
  const out = new Type(n);
  const o = entry.offset;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let b = size - 1; b >= 0; b--) v = (v << 8) | raw[o + b * n + i];
    out[i] = v;
  }
  return out;
}

function decodeLayer(meta, layer, raw) {
  const Type = layer.dtype === "int32" ? Int32Array : Int16Array;
  const [N, T, U] = layer.arrays[meta.kind.belt].shape;
  const a = {};
  for (const [key, e] of Object.entries(layer.arrays)) {
    a[key] = readInts(raw, e, Type);
    if (e.enc === "delta") {
      const k = a[key];
      for (let n = 0; n < N; n++) {
        for (let t = 1; t < T; t++) {
          const row = (n * T + t) * U;
          for (let u = 0; u < U; u++) k[row + u] += k[row - U + u];
        }
      }
    }
  }
  const belt = a[meta.kind.belt];
  const prev = new Type(N * T * U);
  for (let n = 0; n < N; n++) {
    for (let u = 0; u < U; u++) prev[n * T * U + u] = a.initial[n * U + u];
    for (let t = 1; t < T; t++) {
      const row = (n * T + t) * U;
      for (let u = 0; u < U; u++) prev[row + u] = belt[row - U + u];
    }
  }
  a.previous = prev;
  for (const [key, e] of Object.entries(layer.arrays)) {
    if (e.enc && e.enc.resid) {
      const [plus, minus] = e.enc.resid;
      const k = a[key], p = a[plus], m = a[minus];
      for (let i = 0; i < k.length; i++) k[i] = k[i] + (p[i] - m[i]);
    }
  }
  const bits = Type === Int32Array ? 31 : 15;
  const lo = -(2 ** bits), hi = 2 ** bits - 1;
  return { a, N, T, U, codes: { negZero: lo, negInf: lo + 1, posInf: hi - 1, nan: hi } };
}

function formatter(codes, scale) {
  const digits = Math.round(Math.log10(scale));
  return function fmt(k) {
    if (k === codes.negZero) return "-" + (0).toFixed(digits);
    if (k === codes.nan) return "+nan";
    if (k === codes.posInf) return "+inf";
    if (k === codes.negInf) return "-inf";
    const sign = k < 0 ? "-" : "+";
    const m = Math.abs(k);
    const whole = Math.floor(m / scale);
    return `${sign}${whole}.${String(m - whole * scale).padStart(digits, "0")}`;
  };
}
function valuer(codes, scale) {
  return function val(k) {
    if (k === codes.negZero) return -0;
    if (k === codes.nan) return NaN;
    if (k === codes.posInf) return Infinity;
    if (k === codes.negInf) return -Infinity;
    return k / scale;
  };
}

// -- colours ----------------------------------------------------------------------------
// Tick labels that never run into each other: each [x, text] centred on x and kept within
// [lo, hi], skipped when it would come within `gap` px of the label before; gives
// [x, left edge, text] of those drawn (`charW`: px per character, an estimate).
function placeLabels(ticks, lo, hi, charW, gap) {
  const out = [];
  let lastEnd = -Infinity;
  for (const [x, text] of ticks) {
    const w = text.length * charW;
    const x0 = Math.min(Math.max(x - w / 2, lo), hi - w);
    if (x0 < lastEnd + gap) continue;
    out.push([x, x0, text]);
    lastEnd = x0 + w;
  }
  return out;
}

function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// -- the inspector ----------------------------------------------------------------------
class Inspector {
  constructor(model, el, meta, raw) {
    this.model = model;
    this.el = el;
    this.meta = meta;
    this.raw = raw;
    this.kind = meta.kind;
    this.q = Object.fromEntries(meta.kind.quantities.map((q) => [q.name, q]));
    this.layers = {};
    this.playing = null;
    this.speed = 1;
    this.scaleMode = "natural";
    this.build();
    this.syncFromModel();
  }

  // ---- state ----
  layerMeta() {
    return this.meta.layers.find((l) => l.name === this.layerName) || this.meta.layers[0];
  }
  data() {
    const lm = this.layerMeta();
    if (!this.layers[lm.name]) {
      const d = decodeLayer(this.meta, lm, this.raw);
      d.fmt = formatter(d.codes, this.meta.scale);
      d.val = valuer(d.codes, this.meta.scale);
      this.layers[lm.name] = d;
    }
    return this.layers[lm.name];
  }
  at(key, n, t, pos) {
    const d = this.data();
    return d.a[key][(n * d.T + t) * d.U + pos];
  }
  unitPositions() {
    const lm = this.layerMeta();
    const pos = this.units.map((u) => lm.units.indexOf(u)).filter((p) => p >= 0);
    return pos.length ? pos : [0];
  }
  syncFromModel() {
    const m = this.model;
    const names = this.meta.layers.map((l) => l.name);
    const layer = m.get("layer");
    this.layerName = names.includes(layer) ? layer : names[0];
    const T = this.layerMeta().T;
    this.t = Math.min(Math.max(0, Number(m.get("timestep")) || 0), T - 1);
    this.s = Math.min(Math.max(0, Number(m.get("sample")) || 0), this.meta.samples.length - 1);
    const units = m.get("units");
    const lm = this.layerMeta();
    this.units = (Array.isArray(units) ? units : []).filter((u) => lm.units.includes(u))
      .slice(0, MAX_UNITS);
    if (!this.units.length) this.units = lm.units.slice(0, Math.min(4, lm.units.length));
    this.drawAll();
  }
  follow() {
    // The model changed (from Python, or from this view's own save): redraw only what differs.
    if (this.saving) return;
    const m = this.model;
    const layer = m.get("layer");
    const units = m.get("units");
    const sameUnits = Array.isArray(units) && units.length === this.units.length &&
      units.every((u, k) => u === this.units[k]);
    if (layer !== this.layerName || !sameUnits) { this.syncFromModel(); return; }
    const n = Number(m.get("sample"));
    if (n !== this.s) { this.s = n; this.t = Number(m.get("timestep")); this.syncFromModel(); return; }
    const t = Number(m.get("timestep"));
    if (t !== this.t && Number.isInteger(t)) {
      this.t = Math.min(Math.max(0, t), this.layerMeta().T - 1);
      this.drawStep();
    }
  }
  save(keys) {
    this.saving = true;
    try {
      for (const [k, v] of Object.entries(keys)) this.model.set(k, v);
    } finally {
      this.saving = false;
    }
    this.model.save_changes();
  }

  // ---- time labels ----
  inputStep(t) {
    const lm = this.layerMeta();
    return lm.goBackwards ? lm.T - 1 - t : t;
  }
  timeLabel(t) {
    const time = this.meta.time;
    const i = this.inputStep(t);
    if (time.kind === "words") return time.labels[i];
    if (time.kind === "dates") return time.perSample[this.s][i] || `step ${t}`;
    return String(t);
  }
  timeTicks(T, width) {
    // Ticks whose labels cannot overlap: a stride from the longest label's width.
    let longest = 1;
    for (let t = 0; t < T; t++) longest = Math.max(longest, this.timeLabel(t).length);
    const room = longest * 7.5 + 10;
    const stride = Math.max(1, Math.ceil(room / (width / T)));
    const ticks = [];
    for (let t = 0; t < T; t += stride) ticks.push(t);
    return ticks;
  }

  // ---- building the page ----
  build() {
    const el = this.el;
    el.classList.add("lxi");
    el.tabIndex = 0;
    el.setAttribute("role", "group");
    el.setAttribute("aria-label", this.meta.title);
    el.replaceChildren();
    this.title = h("h2", { class: "lxi-title" }, this.meta.title);
    this.sampleLine = h("p", { class: "lxi-sample" });
    this.stepLine = h("p", { class: "lxi-step" });
    el.append(this.title, this.sampleLine, this.stepLine);
    el.append(this.buildControls());
    const main = h("div", { class: "lxi-main" });
    const left = h("div", { class: "lxi-left" });
    const right = h("div", { class: "lxi-right" });
    main.append(left, right);
    el.append(main);
    this.diagram = svgBox(600, 236, "the cell at step t, for the first chosen unit");
    left.append(this.diagram);
    this.heatBox = h("div", { class: "lxi-heatmaps" });
    left.append(this.heatBox);
    this.windowSvg = svgBox(370, 190, this.meta.forecast ? "the input window" : "the inputs");
    right.append(this.windowSvg);
    right.append(this.buildUnitPicker());
    this.linesSvg = svgBox(370, 190, "every quantity of the first chosen unit over time");
    right.append(this.linesSvg);
    this.table = h("table", { class: "lxi-table" });
    el.append(this.table);
    if (this.meta.lab) {
      this.labPanel = new LabPanel(this);
      el.append(this.labPanel.el);
    }
    el.append(h("p", { class: "lxi-holds" }, `This inspector holds ${this.meta.holds}. ` +
      "Keys: \u2190 \u2192 step, \u2191 \u2193 " + this.meta.sampleName +
      ", Home / End first / last step, Space play / pause."));
    el.addEventListener("keydown", (e) => this.onKey(e));
  }

  buildControls() {
    const bar = h("div", { class: "lxi-controls" });
    this.playBtn = h("button", { type: "button", class: "lxi-play" }, "\u25B6 Play");
    this.playBtn.addEventListener("click", () => this.toggle());
    this.speedSel = h("select", { class: "lxi-speed" });
    for (const v of SPEEDS) this.speedSel.append(h("option", { value: String(v) }, `${v}\u00D7`));
    this.speedSel.value = "1";
    this.speedSel.addEventListener("change", () => {
      this.speed = Number(this.speedSel.value);
      if (this.playing) { this.toggle(); this.toggle(); }
    });
    this.stepIn = h("input", { type: "range", min: "0", value: "0", class: "lxi-step-range" });
    this.stepOut = h("output", { class: "lxi-out" });
    this.stepIn.addEventListener("input", () => this.setStep(Number(this.stepIn.value)));
    this.sampleIn = h("input", { type: "range", min: "0", value: "0", class: "lxi-sample-range" });
    this.sampleOut = h("output", { class: "lxi-out" });
    this.sampleIn.addEventListener("input", () => this.setSample(Number(this.sampleIn.value)));
    this.layerSel = h("select", { class: "lxi-layer" });
    for (const l of this.meta.layers) this.layerSel.append(h("option", { value: l.name }, l.name));
    this.layerSel.addEventListener("change", () => {
      this.layerName = this.layerSel.value;
      const lm = this.layerMeta();
      this.units = lm.units.slice(0, Math.min(4, lm.units.length));
      this.t = Math.min(this.t, lm.T - 1);
      this.drawAll();
      this.save({ layer: this.layerName, units: this.units, timestep: this.t });
    });
    this.scaleSel = h("select", { class: "lxi-scale" });
    this.scaleSel.append(h("option", { value: "natural" }, "natural range"),
      h("option", { value: "stretched" }, "stretched to this sample"));
    this.scaleSel.addEventListener("change", () => {
      this.scaleMode = this.scaleSel.value;
      this.drawHeatmaps();
      this.drawStep();
    });
    const sampleField = labelled(this.meta.sampleName, this.sampleIn);
    sampleField.append(this.sampleOut);
    if (this.meta.samples.length < 2) sampleField.hidden = true;
    const stepField = labelled("step t", this.stepIn);
    stepField.append(this.stepOut);
    const layerField = labelled("layer", this.layerSel);
    if (this.meta.layers.length < 2) layerField.hidden = true;
    bar.append(this.playBtn, labelled("speed", this.speedSel), stepField, sampleField,
      layerField, labelled("colours", this.scaleSel));
    return bar;
  }

  buildUnitPicker() {
    const box = h("div", { class: "lxi-units" });
    this.unitSel = h("select", { multiple: "", size: "4", class: "lxi-unit-select" });
    this.unitSel.addEventListener("change", () => {
      const chosen = [...this.unitSel.selectedOptions].map((o) => Number(o.value));
      this.setUnits(chosen.length ? chosen : this.units);
    });
    const pick = labelled(`units on the belt (up to ${MAX_UNITS})`, this.unitSel);
    pick.classList.add("lxi-unit-field");
    this.chosenLine = h("p", { class: "lxi-chosen" });
    const active = h("div", { class: "lxi-active" });
    active.append(h("span", {}, "most active now:"));
    this.activeBtns = [];
    for (let k = 0; k < 4; k++) {
      const b = h("button", { type: "button", class: "lxi-active-unit" });
      b.addEventListener("click", () => {
        const u = Number(b.dataset.unit);
        this.setUnits([u, ...this.units.filter((x) => x !== u)].slice(0, MAX_UNITS));
      });
      this.activeBtns.push(b);
      active.append(b);
    }
    box.append(pick, this.chosenLine, active, this.buildSearch());
    return box;
  }
  buildSearch() {
    // LSTMVis's question: where does this unit switch on? Every (sample, step) where the
    // first unit's value rises above a threshold, each a button that jumps there.
    const box = h("div", { class: "lxi-search" });
    this.searchQ = h("select", { class: "lxi-search-q" });
    for (const q of this.kind.quantities) {
      this.searchQ.append(h("option", { value: q.name }, q.text));
    }
    this.searchQ.value = this.kind.output || this.kind.belt;
    this.searchThr = h("input", { type: "number", step: "0.05", value: "0.5",
      class: "lxi-search-thr" });
    const go = h("button", { type: "button", class: "lxi-search-go" }, "find");
    go.addEventListener("click", () => this.search());
    this.searchOut = h("p", { class: "lxi-search-out", role: "status" });
    this.searchHits = h("div", { class: "lxi-search-hits" });
    box.append(h("span", {}, "where the first unit switches on:"),
      labelled("value of", this.searchQ), labelled("rises above", this.searchThr), go,
      this.searchOut, this.searchHits);
    return box;
  }
  search() {
    const d = this.data();
    const lm = this.layerMeta();
    const key = this.searchQ.value;
    const thr = Number(this.searchThr.value);
    const pos = this.unitPositions()[0];
    const hits = [];
    let count = 0;
    for (let n = 0; n < d.N; n++) {
      let was = false;
      for (let t = 0; t < d.T; t++) {
        const on = d.val(d.a[key][(n * d.T + t) * d.U + pos]) > thr;
        if (on && !was) {
          count += 1;
          if (hits.length < 40) hits.push([n, t]);
        }
        was = on;
      }
    }
    const sym = this.q[key].text;
    this.searchOut.textContent = Number.isFinite(thr)
      ? `unit ${lm.units[pos]}: ${sym} rises above ${thr} ${count} time(s)` +
        (count > hits.length ? ` (the first ${hits.length} below)` : "")
      : "the threshold must be a number";
    this.searchHits.replaceChildren(...(Number.isFinite(thr) ? hits : []).map(([n, t]) => {
      const time = this.meta.time;
      const i = this.inputStep(t);
      const label = time.kind === "words" ? ` (${time.labels[i]})`
        : time.kind === "dates" && time.perSample[n][i] ? ` (${time.perSample[n][i]})` : "";
      const b = h("button", { type: "button", class: "lxi-search-hit" },
        `${this.meta.sampleName} ${this.meta.samples[n]}, t = ${t}${label}`);
      b.addEventListener("click", () => { this.setSample(n); this.setStep(t); });
      return b;
    }));
  }

  // ---- changes ----
  setStep(t) {
    const T = this.layerMeta().T;
    this.t = Math.min(Math.max(0, t), T - 1);
    this.drawStep();
    this.save({ timestep: this.t });
  }
  setSample(n) {
    this.s = Math.min(Math.max(0, n), this.meta.samples.length - 1);
    this.drawSample();
    this.save({ sample: this.s });
  }
  setUnits(units) {
    this.units = units.slice(0, MAX_UNITS);
    if (this.labPanel) this.labPanel.beltChanged();
    this.drawUnits();
    this.drawStep();
    this.save({ units: this.units });
  }
  toggle() {
    if (this.playing) {
      clearInterval(this.playing);
      this.playing = null;
      this.playBtn.textContent = "\u25B6 Play";
      return;
    }
    this.playBtn.textContent = "\u23F8 Pause";
    this.playing = setInterval(() => this.advance(), BASE_INTERVAL / this.speed);
  }
  advance() {
    const T = this.layerMeta().T;
    if (this.t + 1 < T) { this.setStep(this.t + 1); return; }
    this.t = 0;
    this.setSample((this.s + 1) % this.meta.samples.length);
    this.save({ timestep: 0 });
  }
  onKey(e) {
    const tag = e.target && e.target.tagName;
    const control = tag === "INPUT" || tag === "SELECT" || tag === "BUTTON";
    const T = this.layerMeta().T;
    if (e.key === " " && tag !== "BUTTON" && tag !== "SELECT") {
      e.preventDefault();
      this.toggle();
      return;
    }
    if (control) return; // the control's own keys (a range's arrows, a select's)
    const moves = {
      ArrowRight: () => this.setStep(this.t + 1), ArrowLeft: () => this.setStep(this.t - 1),
      Home: () => this.setStep(0), End: () => this.setStep(T - 1),
      ArrowDown: () => this.setSample(this.s + 1), ArrowUp: () => this.setSample(this.s - 1),
      PageDown: () => this.setSample(this.s + 1), PageUp: () => this.setSample(this.s - 1),
    };
    if (moves[e.key]) { e.preventDefault(); moves[e.key](); }
  }

  // ---- drawing ----
  drawAll() {
    const lm = this.layerMeta();
    this.layerSel.value = lm.name;
    this.stepIn.max = String(lm.T - 1);
    this.sampleIn.max = String(this.meta.samples.length - 1);
    this.unitSel.replaceChildren(...lm.units.map((u) => h("option", { value: String(u) },
      `unit ${u}`)));
    this.buildDiagram();
    this.drawSample();
  }
  drawSample() {
    this.sampleIn.value = String(this.s);
    this.sampleOut.textContent = String(this.meta.samples[this.s]);
    this.sampleLine.textContent = this.meta.sampleLabels[this.s];
    this.drawHeatmaps();
    this.drawWindow();
    this.drawUnits();
    this.drawStep();
  }
  drawUnits() {
    const lm = this.layerMeta();
    const chosen = new Set(this.units);
    for (const o of this.unitSel.options) o.selected = chosen.has(Number(o.value));
    const first = this.unitSel.querySelector("option:checked");
    if (first) this.unitSel.scrollTop = first.offsetTop - this.unitSel.offsetTop;
    this.chosenLine.textContent = `on the belt: ${this.units.map((u) => `unit ${u}`).join(", ")}` +
      ` (of ${lm.nUnits})`;
    this.drawTicks();
    this.drawLines();
    this.buildTable();
    if (this.labPanel) this.labPanel.update();
  }

  buildDiagram() {
    const g = this.diagram;
    g.replaceChildren();
    this.diagramValues = {};
    const line = (x1, y1, x2, y2, color, w) => g.append(s("line", { x1, y1, x2, y2,
      stroke: color, "stroke-width": w || 2 }));
    const op = (x, y, text, color) => {
      g.append(s("circle", { cx: x, cy: y, r: 11, fill: "#fff", stroke: color, "stroke-width": 2 }));
      g.append(s("text", { x, y: y + 5, "text-anchor": "middle", class: "lxi-op", fill: color },
        text));
    };
    // value: a symbol and a number, stacked
    const node = (mark) => {
      const [x, y] = mark.at;
      g.append(symbolSvg(s("text", { x, y, "text-anchor": mark.anchor, class: "lxi-sym",
        fill: mark.color }), mark.label));
      const v = s("text", { x, y: y + 24, "text-anchor": mark.anchor, class: "lxi-val" });
      g.append(v);
      this.diagramValues[mark.key] = v;
    };
    // the kind's own picture of one step, mark by mark (kinds/<kind>.py declares it)
    for (const mark of this.kind.diagram || []) {
      const [x, y] = mark.at;
      if (mark.shape === "line") line(...mark.at, mark.color, mark.width);
      else if (mark.shape === "arrow") {
        g.append(s("polygon", { points: `${x - 10},${y - 7} ${x},${y} ${x - 10},${y + 7}`,
          fill: mark.color }));
      } else if (mark.shape === "op") op(x, y, mark.text, mark.color);
      else if (mark.shape === "node") node(mark);
    }
    this.diagramUnit = s("text", { x: 4, y: 228, class: "lxi-note" });
    g.append(this.diagramUnit);
  }

  scaleFor(q) {
    const lm = this.layerMeta();
    const d = this.data();
    const spec = this.q[q];
    let lo = Infinity, hi = -Infinity, big = 0;
    const base = this.s * d.T * d.U;
    const arr = d.a[q];
    for (let i = base; i < base + d.T * d.U; i++) {
      const v = d.val(arr[i]);
      if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); big = Math.max(big, Math.abs(v)); }
    }
    if (!Number.isFinite(lo)) { lo = 0; hi = 0; }
    const signed = spec && spec.range === "signed";
    const state = q === this.kind.belt || (spec && spec.kind === "state");
    if (this.scaleMode === "natural") {
      if (!signed) return [0, 1, lo, hi];
      if (!state) return [-1, 1, lo, hi];
      const m = Math.max(big, 1e-6);
      return [-m, m, lo, hi];
    }
    if (signed) { const m = Math.max(big, 1e-6); return [-m, m, lo, hi]; }
    const pad = Math.max(1e-6, 0.02 * (hi - lo));
    void lm;
    return [lo - pad, hi + pad, lo, hi];
  }

  drawHeatmaps() {
    const d = this.data();
    const box = this.heatBox;
    box.replaceChildren();
    this.cursors = [];
    this.tickLayers = [];
    const T = d.T, U = d.U;
    const names = this.kind.heatmaps;
    names.forEach((q, k) => {
      const spec = this.q[q];
      const row = h("div", { class: "lxi-heat-row" });
      const [vmin, vmax, lo, hi] = this.scaleFor(q);
      const sym = symbolHtml(h("span", { class: "lxi-heat-sym" }), spec.text);
      sym.style.color = spec.color;
      const plot = h("div", { class: "lxi-heat-plot" });
      const canvas = h("canvas", { width: String(T), height: String(U), class: "lxi-heat",
        "aria-label": `${spec.text} ${spec.name}: units \u00D7 time` });
      canvas.style.width = `${HEAT_W}px`;
      canvas.style.height = `${HEAT_H}px`;
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(T, U);
      const lut = spec.cmap.map(hexRgb);
      const base = this.s * T * U;
      const arr = d.a[q];
      const span = vmax - vmin || 1;
      for (let t = 0; t < T; t++) {
        for (let u = 0; u < U; u++) {
          const v = d.val(arr[base + t * U + u]);
          const p = (u * T + t) * 4;
          if (!Number.isFinite(v)) { img.data.set([128, 128, 128, 255], p); continue; }
          const f = Math.min(1, Math.max(0, (v - vmin) / span));
          const c = lut[Math.round(f * (lut.length - 1))];
          img.data[p] = c[0]; img.data[p + 1] = c[1]; img.data[p + 2] = c[2]; img.data[p + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
      const over = svgBox(HEAT_W + 8, HEAT_H, "");
      over.classList.add("lxi-heat-over");
      over.setAttribute("aria-hidden", "true");
      const ticks = s("g");
      const cursor = s("line", { y1: 0, y2: HEAT_H, stroke: "#111", "stroke-width": 2 });
      over.append(ticks, cursor);
      this.cursors.push(cursor);
      this.tickLayers.push(ticks);
      plot.append(canvas, over);
      const grad = h("span", { class: "lxi-cbar" });
      grad.style.background = `linear-gradient(to right, ${spec.cmap.join(", ")})`;
      const side = h("div", { class: "lxi-heat-side" });
      side.append(grad, h("span", { class: "lxi-range" },
        `${vmin.toFixed(2)} \u2026 ${vmax.toFixed(2)}`));
      row.title = `${spec.text}: colours over ${vmin.toFixed(3)} \u2026 ${vmax.toFixed(3)}; ` +
        `this sample spans ${lo.toFixed(3)} \u2026 ${hi.toFixed(3)}`;
      row.append(sym, plot, side);
      box.append(row);
      if (k === names.length - 1 || k === 0) {
        const axis = svgBox(HEAT_W + 8, 18, "");
        axis.classList.add("lxi-axis");
        axis.setAttribute("aria-hidden", "true");
        if (k === 0) this.topAxis = axis; else this.bottomAxis = axis;
        const wrap = h("div", { class: "lxi-heat-axis" });
        wrap.append(axis);
        box.append(wrap);
      }
    });
    this.drawTimeAxis(this.bottomAxis, T, HEAT_W);
    if (this.topAxis && this.topAxis !== this.bottomAxis) this.drawTimeAxis(this.topAxis, T, HEAT_W);
    this.drawTicks();
  }
  drawTimeAxis(axis, T, width) {
    axis.replaceChildren();
    const ticks = this.timeTicks(T, width).map((t) => [((t + 0.5) / T) * width, this.timeLabel(t)]);
    for (const [x, x0, text] of placeLabels(ticks, 0, width, 7.5, 8)) {
      axis.append(s("line", { x1: x, x2: x, y1: 0, y2: 4, stroke: "#555" }));
      axis.append(s("text", { x: x0, y: 16, class: "lxi-tick" }, text));
    }
  }
  drawTicks() {
    if (!this.tickLayers) return;
    const d = this.data();
    for (const g of this.tickLayers) {
      g.replaceChildren();
      for (const p of this.unitPositions()) {
        const y = ((p + 0.5) / d.U) * HEAT_H;
        g.append(s("line", { x1: HEAT_W, x2: HEAT_W + 8, y1: y, y2: y, stroke: "#111",
          "stroke-width": 2 }));
      }
    }
  }

  drawWindow() {
    const g = this.windowSvg;
    g.replaceChildren();
    const fc = this.meta.forecast;
    const W = 370, H = 190, L = 48, R = 10, bottom = 150;
    const T = this.layerMeta().T;
    const series = [];
    const legend = [];
    if (fc) {
      const w = fc.window[this.s];
      series.push({ values: w, color: "#444", name: "window" });
      // the AR baseline's colour is the Python side's (plots.views.AR_COLOR), sent along
      const extra = [["target", "#009E73", "true"], ["prediction", "#D55E00", "model"],
        ["persistence", "#777", "persistence"], ["ar", fc.arColor, "linear AR"]];
      this.windowPoints = extra.filter(([k, color]) => color && fc[k] && fc[k][this.s] !== null)
        .map(([k, color, name]) => ({ key: k, v: fc[k][this.s], color, name }));
      legend.push(["window", "#444"], ...this.windowPoints.map((p) => [p.name, p.color]));
      if (fc.fedBack && fc.fedBack[this.s].some(Boolean)) legend.push(["fed back", "#0072B2"]);
    } else {
      const d = this.inputs();
      const F = d.F;
      const palette = ["#444", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"];
      for (let f = 0; f < Math.min(F, 6); f++) {
        const values = [];
        for (let t = 0; t < d.T; t++) values.push(d.x[(this.s * d.T + t) * F + f]);
        series.push({ values, color: palette[f], name: this.meta.features[f] });
        legend.push([this.meta.features[f], palette[f]]);
      }
      this.windowPoints = [];
    }
    const all = series.flatMap((x) => x.values).concat(this.windowPoints.map((p) => p.v))
      .filter((v) => v !== null && Number.isFinite(v));
    // the legend: as many lines as its names need, spaced by their lengths
    const entries = [];
    let lx = 4, ly = 5;
    for (const [name, color] of legend) {
      const label = name.length > 18 ? name.slice(0, 17) + "\u2026" : name;
      const width = 14 + label.length * 7.2;
      if (lx > 4 && lx + width > W - 4) { lx = 4; ly += 15; }
      entries.push({ x: lx, y: ly, label, color });
      lx += width + 12;
    }
    const top = ly + 19;
    let lo = Math.min(...all), hi = Math.max(...all);
    if (!all.length) { lo = 0; hi = 1; }
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const n = T + (fc ? 1 : 0);
    const X = (i) => L + ((i + 0.5) / n) * (W - L - R);
    const Y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    g.append(s("line", { x1: L, x2: W - R, y1: bottom, y2: bottom, stroke: "#999" }));
    g.append(s("text", { x: L - 4, y: top + 4, "text-anchor": "end", class: "lxi-tick" }, fmtShort(hi)));
    g.append(s("text", { x: L - 4, y: bottom, "text-anchor": "end", class: "lxi-tick" }, fmtShort(lo)));
    for (const ser of series) {
      const pts = ser.values.map((v, i) => (v === null ? null : `${X(i).toFixed(1)},${Y(v).toFixed(1)}`))
        .filter(Boolean).join(" ");
      g.append(s("polyline", { points: pts, fill: "none", stroke: ser.color, "stroke-width": 1.8 }));
    }
    if (fc && fc.fedBack) {
      fc.window[this.s].forEach((v, i) => {
        if (fc.fedBack[this.s][i] && v !== null) {
          g.append(s("circle", { cx: X(i), cy: Y(v), r: 3, fill: "#fff", stroke: "#0072B2",
            "stroke-width": 1.5 }));
        }
      });
    }
    for (const p of this.windowPoints) {
      g.append(s("circle", { cx: X(T), cy: Y(p.v), r: 4.5, fill: p.color,
        class: `lxi-point lxi-point-${p.key}` }));
    }
    this.windowCursor = s("line", { y1: top - 4, y2: bottom, stroke: "#111", "stroke-width": 1.5,
      "stroke-dasharray": "3 2" });
    g.append(this.windowCursor);
    this.windowX = X;
    this.windowY = fc ? { Y, top, bottom, x: X(T) } : null; // where a forecast point goes
    for (const { x, y, label, color } of entries) {
      g.append(s("rect", { x, y, width: 10, height: 10, fill: color, class: "lxi-legend-key" }));
      g.append(s("text", { x: x + 14, y: y + 10, class: "lxi-legend" }, label));
    }
    // time axis
    const axis = s("g", { transform: `translate(0, ${bottom})` });
    const ticks = this.timeTicks(T, W - L - R);
    for (const t of ticks) {
      const i = this.inputStep(t);
      axis.append(s("line", { x1: X(i), x2: X(i), y1: 0, y2: 4, stroke: "#555" }));
    }
    g.append(axis);
    const labels = s("g");
    const placed = placeLabels(ticks.map((t) => [X(this.inputStep(t)), this.timeLabel(t)]),
      2, W - 2, 7.2, 6);
    for (const [, x0, text] of placed) {
      labels.append(s("text", { x: x0, y: bottom + 18, class: "lxi-tick" }, text));
    }
    g.append(labels);
    const what = fc ? `${this.meta.forecast.units}; \u25CB fed-back prediction` : "model input";
    g.append(s("text", { x: 4, y: H - 6, class: "lxi-note" }, what));
  }
  inputs() {
    if (!this.inputData) {
      const e = this.meta.inputs;
      const [N, T, F] = e.shape;
      const bytes = this.raw.slice(e.offset, e.offset + N * T * F * 4);
      this.inputData = { x: new Float32Array(bytes.buffer), T, F };
    }
    return this.inputData;
  }

  drawLines() {
    const g = this.linesSvg;
    g.replaceChildren();
    const d = this.data();
    const pos = this.unitPositions()[0];
    const unit = this.layerMeta().units[pos];
    const W = 370, L = 48, R = 10, top = 50, bottom = 160;
    const names = this.kind.quantities.map((q) => q.name);
    let lo = 0, hi = 1;
    const base = this.s * d.T * d.U;
    for (const q of names) {
      for (let t = 0; t < d.T; t++) {
        const v = d.val(d.a[q][base + t * d.U + pos]);
        if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    }
    const X = (t) => L + ((t + 0.5) / d.T) * (W - L - R);
    const Y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    g.append(s("text", { x: 4, y: 15, class: "lxi-note" }, `unit ${unit} over time`));
    let x = 4;
    for (const q of this.kind.quantities) {
      g.append(symbolSvg(s("text", { x, y: 32, class: "lxi-legend", fill: q.color }), q.text));
      x += q.text.length * 8 + 12;
    }
    g.append(s("line", { x1: L, x2: W - R, y1: Y(0), y2: Y(0), stroke: "#ccc" }));
    g.append(s("text", { x: L - 4, y: top + 4, "text-anchor": "end", class: "lxi-tick" }, fmtShort(hi)));
    g.append(s("text", { x: L - 4, y: bottom, "text-anchor": "end", class: "lxi-tick" }, fmtShort(lo)));
    for (const q of this.kind.quantities) {
      const pts = [];
      for (let t = 0; t < d.T; t++) {
        const v = d.val(d.a[q.name][base + t * d.U + pos]);
        if (Number.isFinite(v)) pts.push(`${X(t).toFixed(1)},${Y(v).toFixed(1)}`);
      }
      g.append(s("polyline", { points: pts.join(" "), fill: "none", stroke: q.color,
        "stroke-width": 1.6 }));
    }
    this.linesCursor = s("line", { y1: top, y2: bottom, stroke: "#111", "stroke-width": 1.5,
      "stroke-dasharray": "3 2" });
    g.append(this.linesCursor);
    this.linesX = X;
    const axis = s("g");
    const ticks = this.timeTicks(d.T, W - L - R).map((t) => [X(t), this.timeLabel(t)]);
    for (const [, x0, text] of placeLabels(ticks, 2, W - 2, 7.2, 6)) {
      axis.append(s("text", { x: x0, y: bottom + 18, class: "lxi-tick" }, text));
    }
    g.append(axis);
  }

  buildTable() {
    const t = this.table;
    t.replaceChildren();
    const head = h("tr");
    head.append(h("th", { scope: "col" }, "unit"));
    for (const c of this.kind.belt_columns) {
      const th = symbolHtml(h("th", { scope: "col" }), c.text);
      th.style.color = c.color;
      head.append(th);
    }
    const thead = h("thead");
    thead.append(head);
    const body = h("tbody");
    this.tableCells = [];
    for (const p of this.unitPositions()) {
      const tr = h("tr");
      tr.append(h("th", { scope: "row" }, String(this.layerMeta().units[p])));
      const cells = [];
      for (const c of this.kind.belt_columns) {
        const td = h("td");
        cells.push([c.key, td]);
        tr.append(td);
      }
      this.tableCells.push([p, cells]);
      body.append(tr);
    }
    t.append(h("caption", {}, "every chosen unit at step t"), thead, body);
  }

  drawStep() {
    const d = this.data();
    const t = this.t, n = this.s;
    this.stepIn.value = String(t);
    this.stepOut.textContent = String(t);
    const last = d.T - 1;
    const label = this.meta.time.kind === "steps" ? "" : ` \u00B7 ${this.timeLabel(t)}`;
    this.stepLine.textContent = `layer ${this.layerMeta().name} \u00B7 step t = ${t} of ${last}${label}`;
    const pos = this.unitPositions();
    for (const [key, node] of Object.entries(this.diagramValues)) {
      node.textContent = d.a[key] ? d.fmt(this.at(key, n, t, pos[0])) : "";
    }
    this.diagramUnit.textContent = `unit ${this.layerMeta().units[pos[0]]} at step t = ${t}`;
    for (const [p, cells] of this.tableCells) {
      for (const [key, td] of cells) td.textContent = d.a[key] ? d.fmt(this.at(key, n, t, p)) : "";
    }
    const x = ((t + 0.5) / d.T) * HEAT_W;
    for (const c of this.cursors) { c.setAttribute("x1", x); c.setAttribute("x2", x); }
    const wx = this.windowX(this.inputStep(t));
    this.windowCursor.setAttribute("x1", wx);
    this.windowCursor.setAttribute("x2", wx);
    const lx = this.linesX(t);
    this.linesCursor.setAttribute("x1", lx);
    this.linesCursor.setAttribute("x2", lx);
    // most active now: |written| + |forgotten|
    const base = (n * d.T + t) * d.U;
    const act = [];
    for (let u = 0; u < d.U; u++) {
      const a = Math.abs(d.val(d.a.written[base + u])) + Math.abs(d.val(d.a.forgotten[base + u]));
      act.push([Number.isFinite(a) ? a : -1, u]);
    }
    act.sort((p, q) => q[0] - p[0] || p[1] - q[1]);
    this.activeBtns.forEach((b, k) => {
      if (k >= act.length) { b.hidden = true; return; }
      const unit = this.layerMeta().units[act[k][1]];
      b.hidden = false;
      b.dataset.unit = String(unit);
      b.textContent = `unit ${unit}`;
    });
    this.el.dataset.shown = `${n}:${t}`;
  }
}

function fmtShort(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  return a > 0 && a < 0.01 ? v.toPrecision(3) : v.toFixed(2);
}

function showError(el, err) {
  el.replaceChildren(h("p", { class: "lxi-error", role: "alert" },
    `The inspector cannot be shown: ${err && err.message ? err.message : err}`));
}

async function render({ model, el }) {
  let inspector = null;
  try {
    const meta = model.get("_meta");
    if (!meta || meta.version !== 1) throw new Error("this inspector's data is of an unknown version");
    const raw = await inflate(asBytes(model.get("_data")));
    inspector = new Inspector(model, el, meta, raw);
  } catch (err) {
    showError(el, err);
    return undefined;
  }
  const follow = () => inspector.follow();
  const followLab = () => { if (inspector.labPanel) inspector.labPanel.follow(); };
  for (const key of ["timestep", "sample", "layer", "units"]) model.on(`change:${key}`, follow);
  model.on("change:clamps", followLab);
  return () => {
    if (inspector.playing) clearInterval(inspector.playing);
    for (const key of ["timestep", "sample", "layer", "units"]) model.off(`change:${key}`, follow);
    model.off("change:clamps", followLab);
  };
}

export default { render };
