// The gate lab's arithmetic: rerun a model's LSTM layers and dense head for one sample in
// float64, with chosen gates set or scaled before they act ("what if f were 1?") (labRun),
// or a whole fed-back forecast, the clamped model's predictions fed back (labForecast).
//
// The browser twin of lstm_explained.lab.Stack.run and of trace_forecast(clamp=...)'s
// forecast (numpy): the same cell, checked against them within 1e-5 (tests/test_lab_js.py
// runs this file under Node); only the order of the sums in the matrix-vector product
// differs (a WebAssembly SIMD kernel where the engine has one, else a JavaScript loop). It reads the "lab" entry of the inspector's payload (lstm_explained/lab_payload.py):
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

// A layer's kernel (F, G) and recurrent kernel (U, G), row-major, as one (G, F + U) matrix:
// row j holds every weight of pre-activation j, the input's then the hidden state's, so
// each pre-activation is one contiguous dot product with [x_t, h_{t-1}].
function labJoined(kernel, recurrent, F, U) {
  const G = kernel.length / F, K = F + U;
  const out = new Float64Array(G * K);
  for (let j = 0; j < G; j++) {
    for (let f = 0; f < F; f++) out[j * K + f] = kernel[f * G + j];
    for (let u = 0; u < U; u++) out[j * K + F + u] = recurrent[u * G + j];
  }
  return out;
}

// The inner loop in WebAssembly with 128-bit SIMD (two float64 per instruction), for a
// fed-back forecast's 50 windows: mv(z, m, v, g, k) sets z[0 .. g) = M v, g a multiple
// of 8, M stored in blocks of 8 rows interleaved (block b, column c, row r at
// m[(b * k + c) * 8 + r]), all byte addresses in the imported memory. As text:
//   (func (export "mv") (param $z $m $v $g $k i32) (local $j $p $q $e i32)
//         (local $x $a0 $a1 $a2 $a3 v128)
//     p = m; loop over j = 0, 8, .. < g:  a0..a3 = 0; q = v; e = v + 8k
//       loop over q < e: x = f64x2.splat(f64.load q)
//         a0 += x * v128.load(p); a1 += x * v128.load(p + 16); a2 .. (p + 32); a3 .. (p + 48)
//         p += 64; q += 8
//       v128.store z a0; (z + 16) a1; (z + 32) a2; (z + 48) a3; z += 64
const LAB_WASM = (() => {
  const acc = (a, off) => [0x20, a, 0x20, 9, 0x20, 6, 0xfd, 0x00, 4, off, 0xfd, 0xf2, 0x01,
    0xfd, 0xf0, 0x01, 0x21, a];
  const store = (a, off) => [0x20, 0, 0x20, a, 0xfd, 0x0b, 4, off];
  const body = [
    0x02, 0x04, 0x7f, 0x05, 0x7b, // locals: 4 i32, 5 v128
    0x20, 1, 0x21, 6, // p = m
    0x02, 0x40, 0x03, 0x40, // block loop (rows)
    0x20, 5, 0x20, 3, 0x4f, 0x0d, 1, // j >= g: done
    0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x14, 0x22, 10, 0x22, 11, 0x22, 12, 0x21, 13,
    0x20, 2, 0x21, 7, // q = v
    0x20, 2, 0x20, 4, 0x41, 3, 0x74, 0x6a, 0x21, 8, // e = v + (k << 3)
    0x02, 0x40, 0x03, 0x40, // block loop (columns)
    0x20, 7, 0x20, 8, 0x4f, 0x0d, 1, // q >= e: done
    0x20, 7, 0x2b, 3, 0, 0xfd, 0x14, 0x21, 9, // x = splat(v[q])
    ...acc(10, 0), ...acc(11, 16), ...acc(12, 32), ...acc(13, 48),
    0x20, 6, 0x41, 0xc0, 0x00, 0x6a, 0x21, 6, // p += 64
    0x20, 7, 0x41, 8, 0x6a, 0x21, 7, // q += 8
    0x0c, 0, 0x0b, 0x0b,
    ...store(10, 0), ...store(11, 16), ...store(12, 32), ...store(13, 48),
    0x20, 0, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0, // z += 64
    0x20, 5, 0x41, 8, 0x6a, 0x21, 5, // j += 8
    0x0c, 0, 0x0b, 0x0b, 0x0b,
  ];
  const size = (n) => (n < 128 ? [n] : [(n & 127) | 128, n >> 7]); // LEB128, n < 16384
  const section = (id, bytes) => [id, ...size(bytes.length), ...bytes];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, 3, 0x6c, 0x61, 0x62, 3, 0x6d, 0x65, 0x6d, 2, 0, 1]), // "lab" "mem"
    ...section(3, [1, 0]),
    ...section(7, [1, 2, 0x6d, 0x76, 0, 0]), // export "mv"
    ...section(10, [1, ...size(body.length), ...body])]);
})();

// The layers' weights copied into WebAssembly memory for LAB_WASM, with each layer's
// pre-activations `z` and inputs `v` there too (rows padded to a multiple of 8), or null
// where WebAssembly or its SIMD is not available (the JavaScript loop runs instead).
function labWasm(layers) {
  if (typeof WebAssembly === "undefined" || !WebAssembly.validate(LAB_WASM)) return null;
  const plan = layers.map((L) => ({ G8: Math.ceil((4 * L.U) / 8) * 8, K: L.F + L.U }));
  let bytes = 0;
  const take = (n) => { const at = bytes; bytes += Math.ceil((n * 8) / 16) * 16; return at; };
  for (const p of plan) { p.m = take(p.G8 * p.K); p.z = take(p.G8); p.v = take(p.K); }
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const { mv } = new WebAssembly.Instance(new WebAssembly.Module(LAB_WASM),
    { lab: { mem: memory } }).exports;
  return layers.map((L, li) => {
    const p = plan[li], G = 4 * L.U;
    const M = new Float64Array(memory.buffer, p.m, p.G8 * p.K);
    for (let j = 0; j < G; j++) {
      const base = (j >> 3) * p.K * 8 + (j & 7);
      for (let k = 0; k < p.K; k++) M[base + k * 8] = L.WR[j * p.K + k];
    }
    return { mv, ...p, zs: new Float64Array(memory.buffer, p.z, p.G8),
      vs: new Float64Array(memory.buffer, p.v, p.K) };
  });
}

// The payload's "lab" entry made ready to run, or {missing: [...]} naming the activations
// this file does not implement (the page says so instead of guessing).
function labModel(lab, options = {}) {
  const missing = [];
  const act = (name) => {
    if (!LAB_ACTIVATIONS[name]) missing.push(name);
    return LAB_ACTIVATIONS[name];
  };
  const layers = lab.layers.map((l) => ({
    name: l.name, F: l.features, U: l.units,
    WR: labJoined(labArray(l.kernel), labArray(l.recurrentKernel), l.features, l.units),
    b: l.bias ? labArray(l.bias) : null,
    act: act(l.activation), rec: act(l.recurrentActivation),
  }));
  const hd = lab.head;
  const head = { W: labArray(hd.kernel), b: hd.bias ? labArray(hd.bias) : null,
    out: hd.outputs, act: act(hd.activation) };
  const x = labArray(lab.inputs);
  const [N, T, F] = lab.inputs.shape;
  let wasm = null;
  if (options.wasm !== false) {
    try { wasm = labWasm(layers); } catch { wasm = null; } // e.g. no memory to spare
  }
  if (wasm) layers.forEach((L, li) => { L.wasm = wasm[li]; });
  return { layers, head, x, N, T, F, engine: wasm ? "wasm" : "js", blocks: lab.blocks,
    squashed: lab.squashed,
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

// The clamps of layer `li` made ready for the inner loop, once per rerun: each as its
// block's offset in the pre-activations, set or scale, its value and 0/1 masks over the
// layer's units and the steps.
function labCompile(model, li, clamps) {
  const n = model.layers.length, U = model.layers[li].U;
  return (clamps || []).filter((c) => c.layer === li || c.layer === li - n).map((c) => ({
    base: model.blocks.indexOf(c.gate) * U, scale: c.mode === "scale", value: Number(c.value),
    units: labMask(c.units, U), steps: labMask(c.steps, model.T) }));
}

// The buffers a rerun writes into, allocated once per model: each layer's pre-activations,
// state and hidden sequence (the next layer's input), and the head's output.
function labBuffers(model) {
  if (!model.buffers) {
    model.buffers = {
      layers: model.layers.map((L) => ({
        z: L.wasm ? L.wasm.zs : new Float64Array(4 * L.U),
        v: L.wasm ? L.wasm.vs : new Float64Array(L.F + L.U),
        c: new Float64Array(L.U), q: new Float64Array(L.U),
        seq: new Float64Array(model.T * L.U) })),
      output: new Float64Array(model.head.out),
    };
  }
  return model.buffers;
}

// One sample through every layer and the head, with `clamps` ([{gate, mode: "set" |
// "scale", value, layer (index), units, steps}]). `sample` is the index of an exported
// sample or the (T, F) inputs themselves (a Float64Array, e.g. a fed-back window).
// Returns {layers: [{input, forget, candidate, output, cell, hidden: Float64Array(T * U),
// U}], output: Float64Array}.
function labRun(model, sample, clamps) {
  const T = model.T;
  const seq = typeof sample === "number"
    ? model.x.subarray(sample * T * model.F, (sample + 1) * T * model.F) : sample;
  const layers = model.layers.map((L) => {
    const out = { U: L.U };
    for (const q of [...model.blocks, model.belt, model.hidden]) out[q] = new Float64Array(T * L.U);
    return out;
  });
  const compiled = model.layers.map((_, li) => labCompile(model, li, clamps));
  const output = Float64Array.from(labForward(model, seq, compiled, layers));
  return { layers, output };
}

// The model's output for the (T, F) inputs `seq` (the buffers' own array: copy it to keep
// it), the clamps compiled by labCompile for each layer; with `record` (one {quantity:
// Float64Array(T * U)} per layer) every quantity at every step is kept too.
function labForward(model, seq, compiled, record) {
  const buf = labBuffers(model);
  let input = seq, F = model.F;
  for (let li = 0; li < model.layers.length; li++) {
    const L = model.layers[li];
    labLayer(model, L, input, F, compiled[li], buf.layers[li], record ? record[li] : null);
    input = buf.layers[li].seq;
    F = L.U;
  }
  const hd = model.head, last = (model.T - 1) * F, out = buf.output;
  for (let o = 0; o < hd.out; o++) {
    let v = hd.b ? hd.b[o] : 0;
    for (let k = 0; k < F; k++) v += input[last + k] * hd.W[k * hd.out + o];
    out[o] = hd.act(v);
  }
  return out;
}

// z = b + M v for the (G, K) row-major matrix M (G, K > 0), eight rows at a time (eight
// sums in flight, each element of v read once per eight rows): the inner loop of a rerun.
function labMatVec(z, M, v, b, G, K) {
  let j = 0;
  for (; j + 7 < G; j += 8) {
    const r0 = j * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K, r4 = r3 + K, r5 = r4 + K,
      r6 = r5 + K, r7 = r6 + K;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let k = 0; k < K; k++) {
      const x = v[k];
      s0 += x * M[r0 + k]; s1 += x * M[r1 + k]; s2 += x * M[r2 + k]; s3 += x * M[r3 + k];
      s4 += x * M[r4 + k]; s5 += x * M[r5 + k]; s6 += x * M[r6 + k]; s7 += x * M[r7 + k];
    }
    z[j] = s0; z[j + 1] = s1; z[j + 2] = s2; z[j + 3] = s3;
    z[j + 4] = s4; z[j + 5] = s5; z[j + 6] = s6; z[j + 7] = s7;
  }
  for (; j < G; j++) {
    let s0 = 0;
    for (let k = 0, r = j * K; k < K; k++) s0 += v[k] * M[r + k];
    z[j] = s0;
  }
  if (b) for (let i = 0; i < G; i++) z[i] += b[i];
}

// a[lo .. hi) = act(a[lo .. hi)): the usual activations written out, so the loop calls no
// function through a variable (one call site for many functions is slow in V8).
function labApply(a, lo, hi, act) {
  if (act === labSigmoid) for (let j = lo; j < hi; j++) a[j] = 0.5 + 0.5 * Math.tanh(0.5 * a[j]);
  else if (act === Math.tanh) for (let j = lo; j < hi; j++) a[j] = Math.tanh(a[j]);
  else for (let j = lo; j < hi; j++) a[j] = act(a[j]);
}

// One LSTM layer over the (T, F) inputs `seq`, its compiled clamps applied before the
// gates act; the hidden states go to buf.seq, every quantity to `record` when given.
function labLayer(model, L, seq, F, clamps, buf, record) {
  const T = model.T, U = L.U, G = 4 * U, K = F + U;
  const { z, v, c, q } = buf; // v = [x_t, h_{t-1}], q = the squashed belt
  v.fill(0);
  c.fill(0);
  const [iB, fB, cB, oB] = ["input", "forget", "candidate", "output"]
    .map((q) => model.blocks.indexOf(q) * U);
  // each block under its activation: the candidate's is `activation`, the gates' recurrent
  const spans = model.blocks.map((q, k) => [k * U, (k + 1) * U,
    model.squashed.includes(q) ? L.act : L.rec]);
  const out = buf.seq;
  for (let t = 0; t < T; t++) {
    for (let f = 0; f < F; f++) v[f] = seq[t * F + f];
    if (L.wasm) {
      L.wasm.mv(L.wasm.z, L.wasm.m, L.wasm.v, L.wasm.G8, K);
      if (L.b) for (let i = 0; i < G; i++) z[i] += L.b[i];
    } else {
      labMatVec(z, L.WR, v, L.b, G, K);
    }
    for (let k = 0; k < spans.length; k++) labApply(z, spans[k][0], spans[k][1], spans[k][2]);
    for (const cl of clamps) {
      if (!cl.steps[t]) continue;
      for (let u = 0; u < U; u++) {
        if (cl.units[u]) z[cl.base + u] = cl.scale ? z[cl.base + u] * cl.value : cl.value;
      }
    }
    for (let u = 0; u < U; u++) q[u] = c[u] = z[fB + u] * c[u] + z[iB + u] * z[cB + u]; // the belt moves on
    labApply(q, 0, U, L.act);
    const row = t * U;
    for (let u = 0; u < U; u++) out[row + u] = v[F + u] = z[oB + u] * q[u];
    if (record) {
      const h = v.subarray(F, K);
      model.blocks.forEach((q, k) => { record[q].set(z.subarray(k * U, (k + 1) * U), row); });
      record[model.belt].set(c, row);
      record[model.hidden].set(h, row);
    }
  }
}

// A fed-back forecast of `steps` steps with `clamps`, as lstm_explained.forecast_trace's
// clamped_forecast: start from exported sample `sample`'s window (one input feature),
// run the model, append its prediction (output 0) to the window and drop the oldest
// value, and again. Returns {prediction: Float64Array(steps), values: Float64Array(T +
// steps)}: the window of step j is values[j .. j + T).
function labForecast(model, clamps, steps, sample = 0) {
  const T = model.T;
  if (model.F !== 1) throw new Error("a fed-back forecast has one input feature");
  const values = new Float64Array(T + steps);
  values.set(model.x.subarray(sample * T, (sample + 1) * T));
  const compiled = model.layers.map((_, li) => labCompile(model, li, clamps));
  const prediction = new Float64Array(steps);
  for (let j = 0; j < steps; j++) {
    const y = labForward(model, values.subarray(j, j + T), compiled, null)[0];
    prediction[j] = y;
    values[T + j] = y;
  }
  return { prediction, values };
}

export { LAB_ACTIVATIONS, LAB_WASM, labArray, labCompile, labForecast, labForward, labJoined, labLayer,
  labMask, labMatVec, labModel, labRun, labWasm };
