#!/usr/bin/env node
// The scraper of bench/observe.mjs, in its own process as Prometheus is: on IPC {url}, one GET on a fresh
// connection, timed from the request to the last byte; replies {ms, bytes, collect} (collect: the
// endpoint's Server-Timing, the time it spent collecting and formatting).
import { request } from 'node:http';

process.on('message', ({ url, exit }) => {
  if (exit) process.exit(0);
  const t = performance.now();
  const req = request(url, { agent: false }, (res) => {
    let bytes = 0;
    res.on('data', (c) => {
      bytes += c.length;
    });
    res.on('end', () => {
      const collect = Number(/dur=([\d.]+)/.exec(res.headers['server-timing'] ?? '')?.[1]);
      process.send(res.statusCode === 200 ? { ms: performance.now() - t, bytes, collect } : { error: `answered ${res.statusCode}` });
    });
  });
  req.on('error', (err) => process.send({ error: err.message }));
  req.end();
});
process.send({ ready: true });
