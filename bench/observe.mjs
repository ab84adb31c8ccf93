#!/usr/bin/env node
// Goal 8: the HTTP endpoint of `servo run` (metrics on) costs delivery little: with /metrics scraped every
// second, delivery throughput is >= 0.95x that of the same servo without the endpoint; /metrics answers in
// <= 5 ms (median) at rest and <= 20 ms (median) while those deliveries run, with 100 webhooks.
//
// What runs: two servos built in code (Servo.create), each with a connector answering measure and the
// webhooks connector with 100 after:measure webhooks (memory store, concurrency 1 per webhook: 100
// requests in flight) to one receiver in its own process (bench/receiver.mjs, 204 at once). B serves its
// endpoint (servo-core/observe's serveServo on 127.0.0.1, what `servo run --http` runs) and a scraper
// reads B's /metrics every second during B's rounds, as Prometheus would; A
// has no endpoint, so its deliveries report to no metric at all. Each round dispatches EVENTS measure
// events to one servo (EVENTS x 100 deliveries; the event loop turns every 4 events, so dispatching is
// a stream rather than one burst) and ends when the receiver has counted all of them; A
// and B alternate in order within each pair of rounds. Figures: the median of the per-round ratios
// B/A of deliveries per second, the median scrape latency under that load, and the median of 50
// scrapes at rest after the rounds (20 ms apart, nothing being delivered). Scrapes come from another
// process (bench/scraper.mjs), timed there from the request to the last byte of the answer, over one
// kept-alive connection as Prometheus scrapes.
//
// The endpoint's delivery history (the deliveries page's) is off here (`history: false`): this goal is the
// metrics' and the scraping's; what the history costs is bench/history.mjs's goal, for both stores.
//
// Usage: node bench/observe.mjs [rounds=6] [events per round=600]
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fmt, load, median, MEASURE_PARAMS, root, SECRET, sleep, startReceiver, tinyConnector, withTimeout } from './lib.mjs';

const ROUNDS = Number(process.argv[2] ?? 6);
const EVENTS = Number(process.argv[3] ?? 600);
const WEBHOOKS = 100;
const GOAL_RATIO = 0.95;
const GOAL_REST_MS = 5;
const GOAL_LOAD_MS = 20;

const m = await load();
const { serveServo } = await import(join(root, 'packages/servo/dist/observe/serve.js'));
const receiver = await startReceiver();
const logger = m.core.createLogger({ level: 'warn' });
const webhooks = Array.from({ length: WEBHOOKS }, (_, i) => ({
  name: `hook_${i}`,
  url: `${receiver.origin}/hook/${i}`,
  secret: SECRET,
  events: 'after:measure',
}));

async function makeServo(observed) {
  const tiny = await tinyConnector(m);
  const servo = await m.core.Servo.create({
    name: observed ? 'observed' : 'plain',
    logger,
    connectors: [
      { definition: tiny, name: 'tiny' },
      { definition: m.webhooksConnector, name: 'webhooks', config: { concurrency: 1, drain_timeout: '2s', history: false, webhooks } },
    ],
  });
  const served = observed ? await serveServo(servo, { listen: '127.0.0.1:0', logger }) : undefined;
  await servo.start();
  return { servo, served };
}

/** The scraper process (bench/scraper.mjs): one GET of /metrics at a time. */
const scraper = fork(join(root, 'bench/scraper.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
await new Promise((res) => scraper.once('message', res));
let scraping = Promise.resolve();
function scrape(url) {
  const next = scraping.then(
    () =>
      new Promise((resolve, reject) => {
        scraper.once('message', (r) => (r.error ? reject(new Error(`/metrics: ${r.error}`)) : resolve(r)));
        scraper.send({ url: `${url}/metrics` });
      }),
  );
  scraping = next.catch(() => {});
  return next;
}

const plain = await makeServo(false);
const observed = await makeServo(true);
const url = observed.served.url;
const rates = { plain: [], observed: [] };
const ratios = [];
const underLoad = [];
let scrapeBytes = 0;

/** One round: EVENTS measure events through `s`, until the receiver has every delivery. */
async function round(name, s) {
  const before = (await receiver.cmd('stats')).received;
  const target = before + EVENTS * WEBHOOKS;
  let scraper;
  if (name === 'observed') {
    const tick = () =>
      scrape(url).then((r) => {
        underLoad.push(r.ms);
        scrapeBytes = r.bytes;
      });
    scraper = setInterval(tick, 1000);
  }
  const t0 = performance.now();
  try {
    for (let i = 0; i < EVENTS; i++) {
      const r = await s.servo.dispatch('measure', MEASURE_PARAMS);
      if (r.status !== 'completed') throw new Error(`dispatch: ${r.status}`);
      // Events arrive as a stream, not in one burst that holds the event loop: I/O runs between them.
      if (i % 4 === 3) await new Promise((res) => setImmediate(res));
    }
    await withTimeout(
      (async () => {
        while ((await receiver.cmd('stats')).received < target) await sleep(5);
      })(),
      60_000,
      `${name} round`,
    );
  } finally {
    clearInterval(scraper);
  }
  const rate = ((EVENTS * WEBHOOKS) / (performance.now() - t0)) * 1000;
  rates[name].push(rate);
  return rate;
}

const started = performance.now();
let rest = [];
const restCollect = [];
try {
  // Warm-up: JIT, pooled connections, the registry's first collection.
  await round('plain', plain);
  await round('observed', observed);
  rates.plain.length = 0;
  rates.observed.length = 0;
  underLoad.length = 0;
  for (let i = 0; i < ROUNDS; i++) {
    let a;
    let b;
    if (i % 2) {
      b = await round('observed', observed);
      a = await round('plain', plain);
    } else {
      a = await round('plain', plain);
      b = await round('observed', observed);
    }
    ratios.push(b / a);
  }
  await sleep(200);
  for (let i = 0; i < 50; i++) {
    const r = await scrape(url);
    rest.push(r.ms);
    restCollect.push(r.collect);
    await sleep(20);
  }
} finally {
  await observed.served.close();
  await plain.servo.close();
  await observed.servo.close();
  await receiver.close();
  scraper.send({ exit: true });
}

rest = rest.sort((x, y) => x - y);
const ratio = median(ratios);
const loadMs = median(underLoad);
const restMs = median(rest);
console.log(`observe: ${ROUNDS} paired rounds x ${fmt(EVENTS * WEBHOOKS)} deliveries (${EVENTS} events x ${WEBHOOKS} webhooks, concurrency 1 each); medians`);
console.log(`without the endpoint         ${fmt(median(rates.plain)).padStart(7)} deliveries/s  rounds: ${rates.plain.map((x) => fmt(x)).join(' ')}`);
console.log(`with it, scraped every 1 s   ${fmt(median(rates.observed)).padStart(7)} deliveries/s  rounds: ${rates.observed.map((x) => fmt(x)).join(' ')}`);
console.log(`with / without               ${ratio.toFixed(3)}x  (goal >= ${GOAL_RATIO}x; per round: ${ratios.map((x) => x.toFixed(3)).join(' ')})`);
console.log(
  `/metrics under load          ${loadMs.toFixed(2)} ms  (goal <= ${GOAL_LOAD_MS} ms; ${underLoad.length} scrapes, max ${Math.max(...underLoad).toFixed(2)} ms; ${fmt(scrapeBytes)} bytes)`,
);
console.log(
  `/metrics at rest             ${restMs.toFixed(2)} ms  (goal <= ${GOAL_REST_MS} ms; 50 scrapes, min ${rest[0].toFixed(2)} ms, p90 ${rest[44].toFixed(2)} ms; collecting and formatting: median ${median(restCollect).toFixed(2)} ms, min ${Math.min(...restCollect).toFixed(2)} ms)`,
);
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
const ok = ratio >= GOAL_RATIO && loadMs <= GOAL_LOAD_MS && restMs <= GOAL_REST_MS;
console.log(ok ? 'all goals met' : 'GOAL MISSED');
process.exitCode = ok ? 0 : 1;
