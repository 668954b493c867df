// ESLint for the package's front-end files (lstm_explained/front): `npm run lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["lstm_explained/front/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      // inspector.js is an ES module (anywidget's shape: `export default { render }`);
      // standalone.js is appended to it inside one <script type="module">.
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: "error",
      "no-implied-eval": "error",
      "no-eval": "error",
      // Labels come from traces: set them as text, never as markup.
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "set text with textContent" },
        { property: "outerHTML", message: "set text with textContent" },
        { property: "insertAdjacentHTML", message: "build nodes, do not parse markup" }],
    },
  },
  {
    files: ["lstm_explained/front/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  },
];
