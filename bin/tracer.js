#!/usr/bin/env node
// The `tracer` command (package.json "bin"): the compiled CLI, built by `npm install` (prepare) or `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'src', 'cli', 'tracer-bin.js');
if (!fs.existsSync(cli)) {
  console.error('tracer is not built yet: run `npm install` (or `npm run build:server`) in the repository first.');
  process.exit(2);
}
require(cli);
