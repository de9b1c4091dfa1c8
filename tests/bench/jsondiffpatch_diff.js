// jsondiffpatch_diff.js: what a team would write instead of cutover-compare,
// for the compare benchmark: join two JSONL exchange files (HAR entries,
// docs/record.md) by _id and diff each pair's status and response body
// (content.text parsed as JSON) with jsondiffpatch.  Prints one JSON line of
// counts.  Usage: node jsondiffpatch_diff.js BASELINE.jsonl CANDIDATE.jsonl
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

// Calls fn(line) for every line of file, reading big chunks (faster than
// readline, so Node is measured at its best).
function eachLine(file, fn) {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(1 << 22);
  let rest = '';
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    const text = rest + chunk.toString('utf8', 0, n);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) fn(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length) fn(rest);
  fs.closeSync(fd);
}

function parseBody(text) {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    return text;
  }
}

async function main() {
  const [basePath, candPath] = process.argv.slice(2);
  if (!basePath || !candPath) {
    console.error('usage: node jsondiffpatch_diff.js BASELINE.jsonl CANDIDATE.jsonl');
    process.exit(2);
  }
  const lib = path.join(__dirname, 'node', 'node_modules', 'jsondiffpatch', 'lib', 'index.js');
  const jdp = await import(pathToFileURL(lib).href);
  // Array items are matched by their id where they have one, as a user
  // diffing API responses would configure it.
  const differ = jdp.create({
    objectHash: (o, i) => (o && (o.id || o.email || o.message_id || o.type)) || '$$index:' + i,
  });

  const t0 = process.hrtime.bigint();
  const baseline = new Map();
  eachLine(basePath, (line) => {
    const e = JSON.parse(line);
    baseline.set(e._id, { status: e.response.status, text: e.response.content.text });
  });

  const counts = { baseline: baseline.size, candidate: 0, compared: 0, matched: 0,
                   mismatched: 0, missing: 0, extra: 0 };
  eachLine(candPath, (line) => {
    const e = JSON.parse(line);
    counts.candidate++;
    const b = baseline.get(e._id);
    if (!b) {
      counts.extra++;
      return;
    }
    baseline.delete(e._id);
    counts.compared++;
    const statusDiffers = b.status !== e.response.status;
    const delta = differ.diff(parseBody(b.text), parseBody(e.response.content.text));
    if (statusDiffers || delta !== undefined) counts.mismatched++;
    else counts.matched++;
  });
  counts.missing = baseline.size;
  counts.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify(counts) + '\n');
}

main().catch((err) => {
  console.error('jsondiffpatch_diff: ' + err.message);
  process.exit(3);
});
