#!/usr/bin/env node
// Parse Mermaid diagrams with mermaid's own parser (in jsdom).
// Usage: node tests/tools/mermaid_parse.mjs FILE...
// Prints a JSON array, one {file, ok, type|error} per file; exit 0.
// Packages are looked up like actionlint.cjs does ($PHASEC_NODE_TOOLS, else tests/tools/node_modules).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.PHASEC_NODE_TOOLS || join(here, "node_modules");
const require = createRequire(join(modules, "_resolve.cjs"));

const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(join(modules, "mermaid", "dist", "mermaid.core.mjs")).href);
mermaid.initialize({ startOnLoad: false });

const out = [];
for (const file of process.argv.slice(2)) {
  try {
    const r = await mermaid.parse(readFileSync(file, "utf8"));
    out.push({ file, ok: true, type: r.diagramType });
  } catch (err) {
    out.push({ file, ok: false, error: String((err && err.message) || err) });
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
