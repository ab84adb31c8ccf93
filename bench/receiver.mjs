#!/usr/bin/env node
// A webhook receiver for the benchmarks: a plain node:http server on 127.0.0.1, meant to run in its own
// process so its CPU does not count against the sender.
//
// Usage: node bench/receiver.mjs [--mode immediate|delay|never] [--delay MS] [--port N] [--down]
// Prints one JSON line {"port":N} on stdout once listening (also sent as an IPC message when forked).
//
// Per-request mode by path (overrides the default mode):
//   /delay/MS    answer 204 after MS milliseconds
//   /never       read the body, never answer
//   /status/N    answer status N at once
//   anything else: the default mode (--mode; immediate = 204 as soon as the body is read)
//
// IPC messages (when forked with an IPC channel); each is answered with {reply: <cmd>, ...}:
//   {cmd: 'mode', mode, delay}  change the default mode
//   {cmd: 'down'}               stop listening and drop every connection (port kept for 'up')
//   {cmd: 'up'}                 listen again on the same port
//   {cmd: 'stats'}              {received, answered}
//   {cmd: 'exit'}               exit
import { createServer } from 'node:http';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
let mode = opt('mode', 'immediate');
let delayMs = Number(opt('delay', 0));
let port = Number(opt('port', 0));
let received = 0;
let answered = 0;

function answer(res, status) {
  if (res.destroyed) return;
  res.writeHead(status, status === 204 ? undefined : { 'content-length': '0' });
  res.end();
  answered++;
}

const server = createServer((req, res) => {
  received++;
  const url = req.url ?? '/';
  req.resume();
  req.on('end', () => {
    let m = mode;
    let ms = delayMs;
    let status = 204;
    if (url.startsWith('/delay/')) {
      m = 'delay';
      ms = Number(url.slice(7)) || 0;
    } else if (url === '/never') m = 'never';
    else if (url.startsWith('/status/')) {
      m = 'immediate';
      status = Number(url.slice(8)) || 500;
    }
    if (m === 'never') return;
    if (m === 'delay' && ms > 0) setTimeout(answer, ms, res, status);
    else answer(res, status);
  });
});
server.keepAliveTimeout = 30_000;
server.headersTimeout = 120_000;
server.requestTimeout = 0;

function listen() {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      port = server.address().port;
      resolve();
    });
  });
}

function down() {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'mode') {
      mode = msg.mode ?? mode;
      delayMs = Number(msg.delay ?? delayMs);
    } else if (msg.cmd === 'down') await down();
    else if (msg.cmd === 'up') await listen();
    else if (msg.cmd === 'exit') {
      await down();
      process.exit(0);
    }
    process.send?.({ reply: msg.cmd, received, answered, port, listening: server.listening });
  } catch (err) {
    process.send?.({ reply: msg.cmd, error: String(err) });
  }
});
// The parent's death closes the IPC channel: never outlive it.
process.on('disconnect', () => process.exit(0));

if (args.includes('--down')) {
  // Reserve a port, then release it: 'up' listens there later.
  await listen();
  await down();
} else {
  await listen();
}
console.log(JSON.stringify({ port }));
process.send?.({ event: 'listening', port });
