#!/usr/bin/env node
// The scraper of bench/observe.mjs, in its own process as Prometheus is: on IPC {url}, one GET, timed from
// the request to the last byte; replies {ms, bytes, collect} (collect: the endpoint's Server-Timing, the
// time it spent collecting and formatting). One kept-alive connection, as Prometheus keeps its scrape
// connections open between scrapes.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

process.on('message', ({ url, exit }) => {
  if (exit) process.exit(0);
  const t = performance.now();
  const req = request(url, { agent }, (res) => {
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
