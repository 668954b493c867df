// The gate lab's panel in the inspector: choose a gate, set or scale it, and see the
// counterfactual beside the original (the belt, the gate and the model's output).
//
// Built by inspector.js when its payload has a "lab" entry (lstm_explained/lab_payload.py);
// the arithmetic is lab.js's, rerun in the page at every change (no kernel): for the
// current sample, or, when the payload's lab.forecast says the samples are a fed-back
// forecast from its first step, the whole forecast (the clamped model's predictions fed
// back, as trace_forecast(clamp=...) does), the current step then seeing the window the
// clamped model would have seen. The clamp is the model's "clamps" state ([{gate, mode, value, layer, units,
// steps}] or []), so a notebook widget reads it in Python and reruns it there. Every
// colour, symbol and name comes from the payload; every string is set as text.
/* global h, s, svgBox, labelled, symbolSvg, labModel, labRun, labForecast */

const LAB_W = 370;
const LAB_H = 150;

function labFormat(v) {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(2) : v.toFixed(4);
}

class LabPanel {
  constructor(insp) {
    this.insp = insp;
    this.lab = insp.meta.lab;
    this.el = h("section", { class: "lxi-lab", "aria-label": "gate lab" });
    this.el.append(h("h3", { class: "lxi-lab-title" }, "Gate lab: what if a gate were different?"));
    this.clamp = null;
    this.extra = []; // clamps after the first, set from Python: rerun too, not editable here
    this.originals = {};
    this.rerun = null; // the last counterfactual forecast: {key, prediction, values, ms}
    if (this.lab.omitted) {
      this.el.append(h("p", { class: "lxi-lab-note", role: "status" },
        `The gate lab is not in this file: ${this.lab.omitted}.`));
      return;
    }
    this.model = labModel(this.lab);
    if (this.model.missing.length) {
      this.el.append(h("p", { class: "lxi-lab-note", role: "status" },
        "The gate lab cannot rerun this model in the browser: it uses the activation(s) " +
        `${this.model.missing.join(", ")}, which this page does not implement.`));
      this.model = null;
      return;
    }
    // the whole forecast is rerun when the samples are its every step from the first one
    const fc = this.lab.forecast;
    this.fed = fc && fc.fedBack && this.model.F === 1 && this.model.N === fc.steps ? fc : null;
    // a few windows now, so the engine has compiled the loops before the first real rerun
    const t0 = performance.now();
    if (this.fed) labForecast(this.model, [], Math.min(4, this.fed.steps));
    this.warmMs = performance.now() - t0;
    this.build();
  }

  build() {
    const q = this.insp.q;
    const bar = h("div", { class: "lxi-lab-controls" });
    this.layerSel = h("select", { class: "lxi-lab-layer" });
    this.lab.layers.forEach((l, k) => this.layerSel.append(h("option", { value: String(k) },
      l.name)));
    this.gateSel = h("select", { class: "lxi-lab-gate" });
    for (const name of this.lab.blocks) {
      const opt = h("option", { value: name }, `${q[name].text} ${name}`);
      opt.style.color = q[name].color;
      this.gateSel.append(opt);
    }
    this.gateSel.value = this.lab.blocks.includes("forget") ? "forget" : this.lab.blocks[0];
    this.modeSel = h("select", { class: "lxi-lab-mode" });
    this.modeSel.append(h("option", { value: "set" }, "set to"),
      h("option", { value: "scale" }, "multiply by"));
    this.valueRange = h("input", { type: "range", step: "0.01", class: "lxi-lab-range",
      "aria-label": "value (slider)" });
    this.valueNum = h("input", { type: "number", step: "0.01", class: "lxi-lab-value",
      "aria-label": "value" });
    this.unitsSel = h("select", { class: "lxi-lab-units" });
    this.unitsSel.append(h("option", { value: "belt" }, "units on the belt"),
      h("option", { value: "all" }, "all units"));
    const T = this.model.T;
    this.fromIn = h("input", { type: "number", min: "0", max: String(T - 1), value: "0",
      step: "1", class: "lxi-lab-from" });
    this.toIn = h("input", { type: "number", min: "0", max: String(T - 1),
      value: String(T - 1), step: "1", class: "lxi-lab-to" });
    this.resetBtn = h("button", { type: "button", class: "lxi-lab-reset" }, "reset");
    const value = labelled("value", this.valueRange);
    value.append(this.valueNum);
    bar.append(labelled("layer", this.layerSel), labelled("gate", this.gateSel),
      labelled("mode", this.modeSel), value, labelled("at", this.unitsSel),
      labelled("steps from", this.fromIn), labelled("to", this.toIn), this.resetBtn);
    this.defaults();
    const changed = () => { this.clamp = this.fromControls(); this.extra = []; this.commit(); };
    for (const c of [this.layerSel, this.gateSel, this.unitsSel]) c.addEventListener("change", changed);
    this.modeSel.addEventListener("change", () => {
      this.valueNum.value = this.modeSel.value === "scale" ? "1" : this.valueNum.value;
      this.ranges();
      changed();
    });
    this.gateSel.addEventListener("change", () => this.ranges());
    this.valueRange.addEventListener("input", () => { this.valueNum.value = this.valueRange.value; changed(); });
    this.valueNum.addEventListener("input", () => {
      if (Number.isFinite(Number(this.valueNum.value)) && this.valueNum.value !== "") {
        this.valueRange.value = this.valueNum.value;
        changed();
      }
    });
    for (const c of [this.fromIn, this.toIn]) c.addEventListener("input", changed);
    this.resetBtn.addEventListener("click", () => {
      this.clamp = null;
      this.extra = [];
      this.defaults();
      this.commit();
    });
    this.status = h("p", { class: "lxi-lab-status", role: "status" });
    this.outputLine = h("p", { class: "lxi-lab-output" });
    const charts = h("div", { class: "lxi-lab-charts" });
    this.beltSvg = svgBox(LAB_W, LAB_H, "the belt of the chosen units: original solid, with the clamp dashed");
    this.gateSvg = svgBox(LAB_W, LAB_H, "the clamped gate: original solid, with the clamp dashed");
    charts.append(this.beltSvg, this.gateSvg);
    if (this.fed) {
      this.forecastSvg = svgBox(LAB_W, LAB_H, "the forecast: the targets, the model's as " +
        "traced (solid) and with the clamp fed back (dashed), over the forecast steps");
      charts.append(this.forecastSvg);
    }
    this.el.dataset.mode = this.fed ? "fed-back" : "per-window";
    this.el.dataset.engine = this.model.engine; // the inner loop: "wasm" or "js"
    this.el.dataset.warmMs = this.warmMs.toFixed(3);
    this.el.append(bar, this.status, this.outputLine, charts,
      h("p", { class: "lxi-lab-note" }, this.explanation()));
    const given = this.insp.model.get("clamps");
    if (Array.isArray(given) && given.length) this.toControls(given[0], given.slice(1));
  }

  // What the rerun does, in words: the whole fed-back forecast, or each window alone.
  explanation() {
    const common = "with the gate replaced before it acts, from the model's exact weights; the " +
      "change flows on through the belt, the later steps, the later layers and the output. " +
      "Solid: as traced; dashed: with the clamp.";
    const fc = this.lab.forecast;
    if (this.fed) {
      return `The browser reruns the whole ${this.fed.steps}-step forecast ${common} Each ` +
        "prediction of the clamped model is fed back into its next window, as in the " +
        "forecast, so this step's belt and gates are those of the window the clamped model " +
        "would have seen (dashed in the window above, its prediction a dashed ring).";
    }
    const why = fc && !fc.fedBack ? ` Each window is rerun as it was traced (${fc.why}), so ` +
      "the clamped predictions are not fed back." : "";
    return `The browser reruns the model for this ${this.insp.meta.sampleName} ${common}` +
      (this.insp.meta.forecast ? " In the window above, a dashed ring marks the forecast " +
        "with the clamp." : "") + why;
  }

  defaults() {
    const shown = this.lab.layers.findIndex((l) => l.name === this.insp.layerName);
    this.layerSel.value = String(Math.max(0, shown));
    this.gateSel.value = this.lab.blocks.includes("forget") ? "forget" : this.lab.blocks[0];
    this.modeSel.value = "set";
    this.valueNum.value = "1";
    this.unitsSel.value = "belt";
    this.fromIn.value = "0";
    this.toIn.value = String(this.model.T - 1);
    this.ranges();
  }
  ranges() {
    const spec = this.insp.q[this.gateSel.value];
    const [lo, hi] = this.modeSel.value === "scale" ? [0, 2]
      : spec && spec.range === "signed" ? [-1, 1] : [0, 1];
    this.valueRange.min = String(lo);
    this.valueRange.max = String(hi);
    this.valueRange.value = this.valueNum.value;
  }

  // ---- the clamp <-> the controls ----
  layerIndex() { return Number(this.layerSel.value); }
  beltUnits() {
    const U = this.lab.layers[this.layerIndex()].units;
    const units = this.insp.units.filter((u) => u < U);
    return units.length ? units : [0];
  }
  fromControls() {
    const T = this.model.T;
    const clip = (v) => Math.min(T - 1, Math.max(0, Math.round(Number(v) || 0)));
    const a = clip(this.fromIn.value), b = clip(this.toIn.value);
    const [from, to] = a <= b ? [a, b] : [b, a];
    return {
      gate: this.gateSel.value, mode: this.modeSel.value, value: Number(this.valueNum.value),
      layer: this.layerIndex(),
      units: this.unitsSel.value === "all" ? null : this.beltUnits(),
      steps: from === 0 && to === T - 1 ? null : { from, to },
    };
  }
  toControls(c, extra) {
    this.layerSel.value = String(c.layer);
    this.gateSel.value = c.gate;
    this.modeSel.value = c.mode;
    this.valueNum.value = String(c.value);
    this.unitsSel.value = c.units === null ? "all" : "belt";
    const T = this.model.T;
    const steps = c.steps === null || c.steps === undefined ? { from: 0, to: T - 1 }
      : Array.isArray(c.steps) ? { from: Math.min(...c.steps), to: Math.max(...c.steps) } : c.steps;
    this.fromIn.value = String(steps.from);
    this.toIn.value = String(steps.to);
    this.ranges();
    this.clamp = c;
    this.extra = extra || [];
  }
  follow() {
    // the clamps changed from Python
    if (!this.model || this.insp.saving) return;
    const given = this.insp.model.get("clamps");
    if (Array.isArray(given) && given.length) this.toControls(given[0], given.slice(1));
    else { this.clamp = null; this.extra = []; this.defaults(); }
    this.update();
  }
  beltChanged() {
    // the reader put other units on the belt: a clamp "at the units on the belt" follows
    if (!this.model || !this.clamp || this.unitsSel.value !== "belt") return;
    this.clamp = this.fromControls();
    this.insp.save({ clamps: [this.clamp, ...this.extra] });
  }
  commit() {
    this.update();
    this.insp.save({ clamps: this.clamp ? [this.clamp, ...this.extra] : [] });
  }

  // ---- running and drawing ----
  update() {
    if (!this.model) return;
    const n = this.insp.s;
    if (!this.clamp) {
      // no clamp yet: the lab's layer is the one the inspector shows
      const shown = this.lab.layers.findIndex((l) => l.name === this.insp.layerName);
      if (shown >= 0) this.layerSel.value = String(shown);
    }
    const clamps = this.clamp ? [this.clamp, ...this.extra] : [];
    const cf = this.fed && this.clamp ? this.forecast(clamps) : null;
    const t0 = performance.now();
    if (!this.originals[n]) this.originals[n] = labRun(this.model, n, []);
    const base = this.originals[n];
    // fed back: this step's window as the clamped model would have seen it
    const input = cf ? cf.values.subarray(n, n + this.model.T) : n;
    const alt = this.clamp ? labRun(this.model, input, clamps) : base;
    const ms = performance.now() - t0;
    const li = this.clamp ? this.clamp.layer : this.layerIndex();
    const units = this.clamp && this.clamp.units ? this.clamp.units : this.beltUnits();
    const gate = this.clamp ? this.clamp.gate : this.gateSel.value;
    const q = this.insp.q, belt = this.lab.belt;
    const T = this.model.T, U = this.lab.layers[li].units;
    const shown = units.slice(0, 8);
    const series = (run, key, dashed) => shown.map((u) => ({
      values: Array.from({ length: T }, (_, t) => run.layers[li][key][t * U + u]),
      color: q[key].color, dashed, label: `unit ${u}` }));
    const steps = this.clamp && this.clamp.steps ? this.clamp.steps : null;
    const span = steps === null ? null : Array.isArray(steps)
      ? [Math.min(...steps), Math.max(...steps)] : [steps.from, steps.to];
    this.chart(this.beltSvg, [...series(base, belt, false), ...(this.clamp ? series(alt, belt, true) : [])],
      [q[belt].text, ` of ${this.lab.layers[li].name}, ${shown.map((u) => `unit ${u}`).join(", ")}`], span, T);
    this.chart(this.gateSvg, [...series(base, gate, false), ...(this.clamp ? series(alt, gate, true) : [])],
      [q[gate].text, ` ${gate}`], span, T);
    const out = this.lab.output;
    const show = (y) => out.scale[n] * y + out.shift[n];
    const parts = Array.from(base.output, (y, k) => {
      const a = show(y), b = show(alt.output[k]);
      return `${labFormat(a)} \u2192 ${labFormat(b)} (change ${labFormat(b - a)})`;
    });
    this.outputLine.textContent = `model output in ${out.units}: as traced \u2192 with the clamp: ` +
      parts.join("; ");
    this.markWindow(this.clamp ? show(alt.output[0]) : null, cf ? Array.from(input, show) : null);
    if (this.forecastSvg) this.drawForecast(cf, n);
    if (cf) {
      this.el.dataset.forecastCounterfactual = JSON.stringify(Array.from(cf.prediction));
      this.el.dataset.forecastShown = JSON.stringify(Array.from(cf.prediction,
        (y, j) => out.scale[j] * y + out.shift[j]));
      this.el.dataset.forecastMs = cf.ms.toFixed(3);
    } else {
      for (const k of ["forecastCounterfactual", "forecastShown", "forecastMs"]) delete this.el.dataset[k];
    }
    this.el.dataset.original = JSON.stringify(Array.from(base.output));
    this.el.dataset.counterfactual = JSON.stringify(Array.from(alt.output));
    this.el.dataset.shownOutput = JSON.stringify(Array.from(alt.output, show));
    this.el.dataset.ms = ms.toFixed(3);
    const c = this.clamp;
    this.status.textContent = c ? `${q[c.gate].text} of layer ${this.lab.layers[c.layer].name} ` +
      `${c.mode === "set" ? "set to" : "multiplied by"} ${c.value} at ` +
      `${c.units === null ? "every unit" : c.units.map((u) => `unit ${u}`).join(", ")}, ` +
      `${span === null ? "every step" : `steps ${span[0]} to ${span[1]}`} ` +
      `${this.extra.length ? `and ${this.extra.length} more clamp(s) set from Python ` : ""}` +
      (cf ? `(the ${this.fed.steps}-step forecast rerun in ${cf.ms.toFixed(1)} ms)`
        : `(rerun in ${ms.toFixed(1)} ms)`) : "no clamp: change a control to rerun the model";
    this.el.dataset.state = `${n}:${JSON.stringify(c)}`;
  }

  // The whole forecast rerun with `clamps` (kept while they stay the same: moving through
  // the steps costs nothing).
  forecast(clamps) {
    const key = JSON.stringify(clamps);
    if (!this.rerun || this.rerun.key !== key) {
      const t0 = performance.now();
      const r = labForecast(this.model, clamps, this.fed.steps);
      this.rerun = { key, prediction: r.prediction, values: r.values, ms: performance.now() - t0 };
    }
    return this.rerun;
  }

  // The colour the inspector's window gives a forecast point ("target", "model").
  pointColor(name, fallback) {
    const p = (this.insp.windowPoints || []).find((q) => q.name === name);
    return p ? p.color : fallback;
  }

  // The counterfactual forecast beside the model's in the inspector's window (a dashed
  // ring, kept inside the plot), when the trace is a forecast; fed back, the window the
  // clamped model saw too (`seen`: its T values, dashed where they are fed back).
  markWindow(value, seen) {
    const w = this.insp.windowY;
    for (const m of [this.mark, this.markLine]) if (m) m.remove();
    this.mark = this.markLine = null;
    if (!w || value === null || !Number.isFinite(value)) return;
    const color = this.pointColor("model", "#111");
    const clip = (v) => Math.min(w.bottom, Math.max(w.top, w.Y(v)));
    if (seen && this.insp.windowX) {
      const fed = (this.insp.meta.forecast.fedBack || [])[this.insp.s] || [];
      const pts = seen.map((v, i) => (fed[i] && Number.isFinite(v)
        ? `${this.insp.windowX(i).toFixed(1)},${clip(v).toFixed(1)}` : null)).filter(Boolean);
      if (pts.length) {
        this.markLine = s("polyline", { points: pts.join(" "), fill: "none", stroke: color,
          "stroke-width": 1.5, "stroke-dasharray": "4 3", class: "lxi-lab-window" });
        this.markLine.append(s("title", {}, "the predictions the clamped model fed back"));
        this.insp.windowSvg.append(this.markLine);
      }
    }
    this.mark = s("circle", { cx: w.x, cy: clip(value), r: 6, fill: "none", stroke: color,
      "stroke-width": 1.5, "stroke-dasharray": "3 2", class: "lxi-lab-mark" });
    this.mark.append(s("title", {}, `with the clamp: ${labFormat(value)}`));
    this.insp.windowSvg.append(this.mark);
  }

  // The forecast over its steps: the targets, the model's as traced (solid) and, with a
  // clamp, the clamped model's fed back (dashed); the current step shaded.
  drawForecast(cf, n) {
    const fc = this.insp.meta.forecast, out = this.lab.output, S = this.fed.steps;
    const target = this.pointColor("target", "#009E73"), model = this.pointColor("model", "#D55E00");
    const nums = (v) => (v || []).map((x) => (x === null ? NaN : x));
    const series = [{ values: nums(fc.target), color: target, dashed: false, label: "target" },
      { values: nums(fc.prediction), color: model, dashed: false, label: "the model's forecast" }];
    if (cf) {
      series.push({ values: Array.from(cf.prediction, (y, j) => out.scale[j] * y + out.shift[j]),
        color: model, dashed: true, label: "the model's forecast" });
    }
    this.chart(this.forecastSvg, series, ["", "forecast: target, model (dashed: with the clamp)"], [n, n], S,
      `forecast step ${S - 1}`);
  }

  chart(g, series, title, span, T, last = `step ${T - 1}`) {
    g.replaceChildren();
    const R = 10, top = 32, bottom = 124;
    let lo = Infinity, hi = -Infinity;
    for (const ser of series) {
      for (const v of ser.values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    // room on the left for the longer tick label (prices run to 7 characters and more)
    const L = Math.max(48, 10 + 7.5 * Math.max(labFormat(hi).length, labFormat(lo).length));
    const X = (t) => L + ((t + 0.5) / T) * (LAB_W - L - R);
    const Y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    // title: [a symbol (its subscripts as subscripts), plain text]
    const head = symbolSvg(s("text", { x: 4, y: 15, class: "lxi-note" }), title[0]);
    head.append(document.createTextNode(title[1]));
    g.append(head);
    if (span) {
      g.append(s("rect", { x: X(span[0] - 0.5), y: top, width: X(span[1] + 0.5) - X(span[0] - 0.5),
        height: bottom - top, fill: "#eee", class: "lxi-lab-span" }));
    }
    g.append(s("line", { x1: L, x2: LAB_W - R, y1: bottom, y2: bottom, stroke: "#999" }));
    g.append(s("text", { x: L - 4, y: top + 4, "text-anchor": "end", class: "lxi-tick" }, labFormat(hi)));
    g.append(s("text", { x: L - 4, y: bottom, "text-anchor": "end", class: "lxi-tick" }, labFormat(lo)));
    g.append(s("text", { x: L, y: bottom + 16, class: "lxi-tick" }, "0"));
    g.append(s("text", { x: LAB_W - R, y: bottom + 16, "text-anchor": "end", class: "lxi-tick" },
      last));
    for (const ser of series) {
      const pts = ser.values.map((v, t) => (Number.isFinite(v) ? `${X(t).toFixed(1)},${Y(v).toFixed(1)}` : null))
        .filter(Boolean).join(" ");
      const line = s("polyline", { points: pts, fill: "none", stroke: ser.color, "stroke-width": 1.6 });
      if (ser.dashed) line.setAttribute("stroke-dasharray", "5 3");
      line.append(s("title", {}, `${ser.label}${ser.dashed ? ", with the clamp" : ", as traced"}`));
      g.append(line);
    }
  }
}

export { LabPanel };
