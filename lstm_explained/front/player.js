// The kernel-free HTML inspector's player (lstm_explained.export.inspector_html): steps
// through the pre-rendered frames embedded as JSON in the page; every label is set as text.
(function(){
const D = JSON.parse(document.getElementById("inspector-data").textContent);
const bg = document.getElementById("bg"), fg = document.getElementById("fg");
const step = document.getElementById("step"), sample = document.getElementById("sample");
const stepOut = document.getElementById("step-value");
const sampleOut = document.getElementById("sample-value");
const cap = document.getElementById("caption"), head = document.getElementById("sample-label");
const play = document.getElementById("play");
let timer = null;
function show(){
  const s = +sample.value, t = +step.value;
  if (bg.dataset.s !== String(s)) { bg.src = D.backgrounds[s]; bg.dataset.s = String(s); }
  fg.src = D.frames[s][t];
  stepOut.textContent = String(D.timesteps[t]);
  sampleOut.textContent = String(D.samples[s]);
  head.textContent = D.sampleLabels[s];
  cap.textContent = D.captions[s][t];
  document.body.dataset.shown = s + ":" + t;
}
function advance(){
  let t = +step.value + 1, s = +sample.value;
  if (t >= D.timesteps.length) { t = 0; s = (s + 1) % D.samples.length; sample.value = s; }
  step.value = t; show();
}
function toggle(){
  if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6 Play"; }
  else { timer = setInterval(advance, D.interval); play.textContent = "\u23F8 Pause"; }
}
step.addEventListener("input", show); sample.addEventListener("input", show);
play.addEventListener("click", toggle);
document.addEventListener("keydown", function(e){
  if (e.target === step || e.target === sample || e.target === play) return;
  const last = D.timesteps.length - 1;
  if (e.key === "ArrowRight") { step.value = Math.min(+step.value + 1, last); show(); }
  else if (e.key === "ArrowLeft") { step.value = Math.max(+step.value - 1, 0); show(); }
  else if (e.key === " ") { e.preventDefault(); toggle(); }
});
show();
})();
