#!/usr/bin/env node
// Renders a ZPL stream to PNG files with zebrash (compiled to WebAssembly by
// zpl-renderer-js), for labeltest.RenderZPL.
//
//   node render.cjs OUT_DIR WIDTH_MM HEIGHT_MM DPMM < label.zpl
//
// Writes OUT_DIR/label-1.png, label-2.png, … one per ^XA…^XZ label, in
// order. The PNGs go to files rather than stdout because the Go runtime inside
// the WebAssembly module prints through console.log, which would corrupt them.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

function usage(msg) {
  process.stderr.write(`render.cjs: ${msg}\nusage: node render.cjs OUT_DIR WIDTH_MM HEIGHT_MM DPMM < label.zpl\n`);
  process.exit(2);
}

function positive(name, text) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) usage(`${name} must be a positive number, got ${JSON.stringify(text)}`);
  return n;
}

async function main() {
  const [outDir, w, h, d] = process.argv.slice(2);
  if (d === undefined) usage("need 4 arguments");
  const widthMm = positive("WIDTH_MM", w);
  const heightMm = positive("HEIGHT_MM", h);
  const dpmm = positive("DPMM", d);
  if (!fs.statSync(outDir, { throwIfNoEntry: false })?.isDirectory()) usage(`OUT_DIR ${outDir} is not a directory`);

  const zpl = fs.readFileSync(0, "utf8");
  const { ready } = require("zpl-renderer-js");
  const { api } = await ready;
  const labels = await api.zplToBase64MultipleAsync(zpl, widthMm, heightMm, dpmm);
  if (!Array.isArray(labels)) throw new Error(`zebrash returned ${typeof labels}, want an array of PNGs`);
  labels.forEach((b64, i) => {
    const name = `label-${i + 1}.png`;
    fs.writeFileSync(path.join(outDir, name), Buffer.from(b64, "base64"));
  });
}

main().then(
  // The WebAssembly Go runtime keeps the event loop alive; leave explicitly.
  () => process.exit(0),
  (err) => {
    process.stderr.write(`render.cjs: ${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  },
);
