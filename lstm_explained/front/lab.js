// The gate lab's arithmetic: rerun a model's LSTM layers and dense head for one sample in
// float64, with chosen gates set or scaled before they act ("what if f were 1?").
//
// The browser twin of lstm_explained.lab.Stack.run (numpy): the same cell, the same order
// of operations, checked against it within 1e-5 (tests/test_lab_js.py runs this file under
// Node). It reads the "lab" entry of the inspector's payload (lstm_explained/lab_payload.py):
// exact weights and inputs as base64 little-endian float32 (or float64), the Keras names
// of the activations, and the kind's block order. No DOM here: the panel that draws the
// result is lab_panel.js. In the page this file is inlined in front of inspector.js inside
// one <script type="module">; under Node it is read as a module.

// Keras 3's element-wise activations, as lstm_explained/activations.py computes them.
const LAB_SELU_ALPHA = 1.6732632423543772;
const LAB_SELU_SCALE = 1.0507009873554805;
function labSigmoid(x) { return 0.5 + 0.5 * Math.tanh(0.5 * x); }
function labHardSigmoid(x) { return Math.min(Math.max(x + 3, 0), 6) / 6; }
function labSoftplus(x) { return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0); }
function labElu(x, alpha) { return x > 0 ? x : alpha * Math.expm1(Math.min(x, 0)); }
function labErf(x) {
  // Abramowitz & Stegun 7.1.26, as activations._erf (absolute error below 1.5e-7)
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
    t * (-1.453152027 + t * 1.061405429))));
  return Math.sign(x) * (1 - poly * Math.exp(-a * a));
}
const LAB_ACTIVATIONS = {
  linear: (x) => x,
  tanh: Math.tanh,
  sigmoid: labSigmoid,
  hard_sigmoid: labHardSigmoid,
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  leaky_relu: (x) => (x > 0 ? x : 0.2 * x),
  elu: (x) => labElu(x, 1),
  celu: (x) => labElu(x, 1),
  selu: (x) => LAB_SELU_SCALE * labElu(x, LAB_SELU_ALPHA),
  softplus: labSoftplus,
  softsign: (x) => x / (1 + Math.abs(x)),
  soft_shrink: (x) => (x > 0.5 ? x - 0.5 : x < -0.5 ? x + 0.5 : 0),
  hard_shrink: (x) => (Math.abs(x) > 0.5 ? x : 0),
  sparse_plus: (x) => (x <= -1 ? 0 : x >= 1 ? x : (x + 1) ** 2 / 4),
  sparse_sigmoid: (x) => Math.min(Math.max(0.5 * (x + 1), 0), 1),
  silu: (x) => x * labSigmoid(x),
  swish: (x) => x * labSigmoid(x),
  hard_silu: (x) => x * labHardSigmoid(x),
  hard_swish: (x) => x * labHardSigmoid(x),
  hard_tanh: (x) => Math.min(Math.max(x, -1), 1),
  squareplus: (x) => 0.5 * (x + Math.sqrt(x * x + 4)),
  gelu: (x) => 0.5 * x * (1 + labErf(x / Math.SQRT2)),
  tanh_shrink: (x) => x - Math.tanh(x),
  exponential: Math.exp,
  mish: (x) => x * Math.tanh(labSoftplus(x)),
  log_sigmoid: (x) => -labSoftplus(-x),
};

// An array of the payload ({dtype: "float32" | "float64", shape, b64}) as a Float64Array.
function labArray(entry) {
  const text = atob(entry.b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const size = entry.dtype === "float64" ? 8 : 4;
  const n = bytes.length / size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = size === 8 ? view.getFloat64(i * size, true) : view.getFloat32(i * size, true);
  }
  return out;
}

// A (rows, cols) row-major matrix as its (cols, rows) transpose.
function labTransposed(a, rows) {
  const cols = a.length / rows;
  const out = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = a[r * cols + k];
  return out;
}

// The payload's "lab" entry made ready to run, or {missing: [...]} naming the activations
// this file does not implement (the page says so instead of guessing).
function labModel(lab) {
  const missing = [];
  const act = (name) => {
    if (!LAB_ACTIVATIONS[name]) missing.push(name);
    return LAB_ACTIVATIONS[name];
  };
  const layers = lab.layers.map((l) => ({
    name: l.name, F: l.features, U: l.units,
    // stored (4U, F) and (4U, U): each pre-activation is one contiguous dot product
    W: labTransposed(labArray(l.kernel), l.features), R: labTransposed(labArray(l.recurrentKernel), l.units),
    b: l.bias ? labArray(l.bias) : null,
    act: act(l.activation), rec: act(l.recurrentActivation),
  }));
  const hd = lab.head;
  const head = { W: labArray(hd.kernel), b: hd.bias ? labArray(hd.bias) : null,
    out: hd.outputs, act: act(hd.activation) };
  const x = labArray(lab.inputs);
  const [N, T, F] = lab.inputs.shape;
  return { layers, head, x, N, T, F, blocks: lab.blocks, squashed: lab.squashed,
    belt: lab.belt, hidden: lab.hidden, missing: [...new Set(missing)] };
}

// Where a clamp acts: a Uint8Array of 0/1 over n positions (units or steps). `which` is
// null (all), a list of indices, or {from, to} (both included).
function labMask(which, n) {
  const m = new Uint8Array(n);
  if (which === null || which === undefined) return m.fill(1);
  if (Array.isArray(which)) {
    for (const k of which) {
      const i = k < 0 ? k + n : k;
      if (Number.isInteger(i) && i >= 0 && i < n) m[i] = 1;
    }
    return m;
  }
  const lo = Math.max(0, which.from), hi = Math.min(n - 1, which.to);
  for (let i = lo; i <= hi; i++) m[i] = 1;
  return m;
}

// One sample `n` through every layer and the head, with `clamps` ([{gate, mode: "set" |
// "scale", value, layer (index), units, steps}]). Returns {layers: [{input, forget,
// candidate, output, cell, hidden: Float64Array(T * U), U}], output: Float64Array}.
function labRun(model, n, clamps) {
  const T = model.T;
  let F = model.F;
  let seq = model.x.subarray(n * T * F, (n + 1) * T * F);
  const layers = [];
  for (let li = 0; li < model.layers.length; li++) {
    const L = model.layers[li];
    const mine = (clamps || []).filter((c) => c.layer === li || c.layer === li - model.layers.length);
    const out = labLayer(model, L, seq, F, mine);
    layers.push(out);
    seq = out[model.hidden];
    F = L.U;
  }
  const hd = model.head, last = seq.subarray((T - 1) * F, T * F);
  const output = new Float64Array(hd.out);
  for (let o = 0; o < hd.out; o++) {
    let v = hd.b ? hd.b[o] : 0;
    for (let k = 0; k < F; k++) v += last[k] * hd.W[k * hd.out + o];
    output[o] = hd.act(v);
  }
  return { layers, output };
}

// One LSTM layer over the (T, F) inputs `seq`, its clamps applied before the gates act.
function labLayer(model, L, seq, F, clamps) {
  const T = model.T, U = L.U, G = 4 * U;
  const W = L.W, R = L.R, b = L.b, squash = L.act;
  const mine = clamps.map((c) => ({
    block: model.blocks.indexOf(c.gate), scale: c.mode === "scale", value: Number(c.value),
    units: labMask(c.units, U), steps: labMask(c.steps, T) }));
  const out = { U };
  for (const q of [...model.blocks, model.belt, model.hidden]) out[q] = new Float64Array(T * U);
  const h = new Float64Array(U), c = new Float64Array(U), z = new Float64Array(G);
  const [iB, fB, cB, oB] = ["input", "forget", "candidate", "output"]
    .map((q) => model.blocks.indexOf(q) * U);
  // each block under its activation: the candidate's is `activation`, the gates' recurrent
  const spans = model.blocks.map((q, k) => [k * U, (k + 1) * U,
    model.squashed.includes(q) ? L.act : L.rec]);
  for (let t = 0; t < T; t++) {
    const x0 = t * F;
    for (let j = 0; j < G; j++) {
      let v = b ? b[j] : 0;
      const wRow = j * F, rRow = j * U;
      for (let f = 0; f < F; f++) v += seq[x0 + f] * W[wRow + f];
      for (let k = 0; k < U; k++) v += h[k] * R[rRow + k];
      z[j] = v;
    }
    for (const [lo, hi, act] of spans) for (let j = lo; j < hi; j++) z[j] = act(z[j]);
    for (const cl of mine) {
      if (!cl.steps[t]) continue;
      const base = cl.block * U;
      for (let u = 0; u < U; u++) {
        if (cl.units[u]) z[base + u] = cl.scale ? z[base + u] * cl.value : cl.value;
      }
    }
    for (let u = 0; u < U; u++) {
      c[u] = z[fB + u] * c[u] + z[iB + u] * z[cB + u]; // the belt moves on
      h[u] = z[oB + u] * squash(c[u]);
    }
    const row = t * U;
    model.blocks.forEach((q, k) => { out[q].set(z.subarray(k * U, (k + 1) * U), row); });
    out[model.belt].set(c, row);
    out[model.hidden].set(h, row);
  }
  return out;
}

export { LAB_ACTIVATIONS, labArray, labLayer, labMask, labModel, labRun };
