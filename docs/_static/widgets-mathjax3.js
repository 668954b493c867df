// ipywidgets' embed.js typesets widget labels with the MathJax 2 API
// (MathJax.Hub.Queue) whenever window.MathJax exists; the site loads MathJax 3, which has
// no Hub: every widget label would throw "Cannot read properties of undefined (reading
// 'Queue')". Give MathJax 3 a small Hub.Queue that typesets the element with its own API.
// MathJax is loaded with `defer`, so it exists at DOMContentLoaded; the widgets render on
// window `load`, after this.
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub) {
    return;
  }
  mj.Hub = {
    Queue: function (job) {
      var element = job && job[2];
      var current = window.MathJax;
      if (element && current && current.typesetPromise) {
        var typeset = current.startup && current.startup.promise
          ? current.startup.promise.then(function () { return current.typesetPromise([element]); })
          : current.typesetPromise([element]);
        typeset.catch(function () {});
      }
    },
  };
});
