// Build static/vendor/pico/pico.purged.css: Pico CSS reduced to what Homeward's pages use.
//
// Build time only (the web app never runs Node). From the project root:
//   cd /tmp && npm i -E purgecss@8.0.0 && cd - && NODE_PATH=/tmp/node_modules node scripts/purge_pico.cjs
//
// 1. Drops Pico's dark theme: pages declare color-scheme light, so those rules never apply.
// 2. Runs PurgeCSS over the templates, scripts and Python modules (class names built in code),
//    removing unused selectors and unused custom properties.
const { readFileSync, writeFileSync } = require("node:fs");
const postcss = require("postcss");
const { PurgeCSS } = require("purgecss");

const SOURCE = "static/vendor/pico/pico.min.css";
const TARGET = "static/vendor/pico/pico.purged.css";

// Pico features no Homeward page uses (checked with grep over templates and forms).
const UNUSED = ["[type=range]", "[type=color]", "[role=group]", "[role=search]", "breadcrumb",
  "[data-tooltip]", "::-ms-", "[role=switch]", "dialog", "[type=search]", "[aria-busy", "[type=reset]",
  "[type=month]", "[type=week]", "[type=time]", ":host"];

function dropUnused(root) {
  root.walkRules((rule) => {
    const kept = rule.selectors.filter((s) => !UNUSED.some((u) => s.includes(u)));
    if (kept.length === 0) rule.remove();
    else rule.selectors = kept;
  });
}

function dropDarkTheme(root) {
  root.walkAtRules("media", (rule) => {
    if (rule.params.includes("prefers-color-scheme") && rule.params.includes("dark")) rule.remove();
  });
  root.walkRules((rule) => {
    const kept = rule.selectors.filter((s) => !s.startsWith("[data-theme=dark]"));
    if (kept.length === 0) rule.remove();
    else rule.selectors = kept;
  });
}

const css = postcss.parse(readFileSync(SOURCE, "utf8"));
dropDarkTheme(css);
dropUnused(css);
async function main() {
const [result] = await new PurgeCSS().purge({
  content: ["templates/**/*.html", "static/js/*.js", "placement/diaspora/charts.py"],
  css: [{ raw: css.toString() }],
  variables: true,
  keyframes: true,
  fontFace: true,
  // Pico's own state hooks that appear only at run time.
  safelist: { standard: [/^aria-/, ":focus-visible", /^\[dir/], greedy: [/aria-invalid/, /aria-current/] },
});
const banner = "/*! Pico CSS v2.1.1 | MIT | purged for Homeward by scripts/purge_pico.mjs */\n";
writeFileSync(TARGET, banner + result.css.replace(/^@charset "UTF-8";/, "").replace(/\/\*![^*]*\*+([^/*][^*]*\*+)*\//, ""));
console.log(`${TARGET}: ${Buffer.byteLength(readFileSync(TARGET))} bytes`);
}

main();
