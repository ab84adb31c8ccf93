#!/usr/bin/env node
// Fails when a source file under packages/*/src is longer than the limit, counted as `wc -l` counts (newline characters).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT = 400;
const root = fileURLToPath(new URL('..', import.meta.url));

/** Every file under `dir`, recursively. */
function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** Newline characters in `buf`, as `wc -l` counts lines. */
function lines(buf) {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

const packages = join(root, 'packages');
const counted = [];
for (const pkg of readdirSync(packages, { withFileTypes: true })) {
  if (!pkg.isDirectory()) continue;
  const src = join(packages, pkg.name, 'src');
  try {
    for (const file of files(src)) counted.push({ file: relative(root, file), lines: lines(readFileSync(file)) });
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
}

const over = counted.filter((f) => f.lines > LIMIT).sort((a, b) => b.lines - a.lines);
const largest = counted.reduce((a, b) => (b.lines > a.lines ? b : a), { file: '(none)', lines: 0 });
if (over.length > 0) {
  for (const f of over) console.error(`${f.file}: ${f.lines} lines, over the limit of ${LIMIT} (split it by responsibility)`);
  console.error(`check-size: ${over.length} file(s) under packages/*/src over ${LIMIT} lines`);
  process.exit(1);
}
console.log(`check-size: ${counted.length} files under packages/*/src, all within ${LIMIT} lines (largest: ${largest.file}, ${largest.lines})`);
