// The theme's FontAwesome must *nest* SVG icons inside the ipywidgets' <i> elements, not
// replace them: replacing breaks the Play widget ("Cannot set properties of undefined
// (setting 'className')"). Loaded before every other script (priority 1 in conf.py).
window.FontAwesomeConfig = { autoReplaceSvg: "nest" };
