// Glue for the exported HTML file (lstm_explained.export.inspector_html): appended to
// inspector.js inside one <script type="module">, it reads the page's embedded data and
// calls render({model, el}) with a small stand-in for anywidget's model.
/* global render */
const lxMeta = JSON.parse(document.getElementById("lx-meta").textContent);
const lxText = atob(document.getElementById("lx-data").textContent.trim());
const lxBytes = new Uint8Array(lxText.length);
for (let i = 0; i < lxText.length; i++) lxBytes[i] = lxText.charCodeAt(i);
const lxState = { _meta: lxMeta, _data: lxBytes, ...lxMeta.initial };
const lxHandlers = {};
const lxModel = {
  get: (key) => lxState[key],
  set(key, value) {
    lxState[key] = value;
    for (const f of lxHandlers[`change:${key}`] || []) f();
  },
  on(event, f) { (lxHandlers[event] = lxHandlers[event] || []).push(f); },
  off(event, f) { lxHandlers[event] = (lxHandlers[event] || []).filter((g) => g !== f); },
  save_changes() {},
};
Promise.resolve(render({ model: lxModel, el: document.getElementById("lx-inspector") }))
  .then(() => {
    // Inside a notebook's <iframe srcdoc> (lstm_explained.notebook): fit the frame to the
    // inspector now drawn (the frame's onload ran before it was).
    try {
      const frame = window.frameElement;
      if (frame) frame.style.height = `${document.documentElement.scrollHeight + 4}px`;
    } catch {
      // another origin's frame: it keeps its own height
    }
  });
