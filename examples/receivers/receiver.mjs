#!/usr/bin/env node
// A webhook receiver for servo-webhooks, in plain Node: it verifies both
// signatures over the RAW body, prints each delivery, and acts as an
// admission gate for adjustments (only inside an allowed UTC window).
//
//   WEBHOOK_SECRET=... node examples/receivers/receiver.mjs [--port 8080]
//   ADJUST_WINDOW=00:00-03:00 (default) sets when adjustments are allowed.
//   MAX_REPLICAS=3 (optional) also denies adjustments asking for more replicas than that.
//   --port 0 picks a free port (printed when listening).
//
// Bounded against a hostile sender: bodies past 1 MiB are refused (413), the
// timestamp must be a number within 5 minutes, the ids kept for duplicate
// detection are the last 10,000, and a body that is not JSON (a channel
// message may be anything) is reported by size and content type.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('receiver: set WEBHOOK_SECRET to the secret configured for the webhook');
  process.exit(2);
}
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8080;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('receiver: --port takes a port number (0 picks a free one)');
  process.exit(2);
}
const [from, to] = (process.env.ADJUST_WINDOW ?? '00:00-03:00').split('-').map(minutes);
const maxReplicas = process.env.MAX_REPLICAS ? Number(process.env.MAX_REPLICAS) : undefined;
const MAX_BODY = 1024 * 1024;
const MAX_SEEN = 10_000;
const REPLAY_WINDOW_S = 300;

function minutes(hhmm) {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function equal(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** X-Servo-Signature: hex HMAC-SHA1 of the raw body, keyed with the secret's UTF-8 bytes. */
function verifyServo(body, header) {
  return typeof header === 'string' && equal(createHmac('sha1', secret).update(body).digest('hex'), header);
}

/** Standard Webhooks: v1,base64(HMAC-SHA256(id.timestamp.body)); whsec_ secrets are base64 keys. */
function verifyStandard(body, id, timestamp, header) {
  if (!id || !timestamp || !header) return false;
  // Seconds since the epoch, digits only: "abc" (NaN) must not pass the replay window.
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > REPLAY_WINDOW_S) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
  return header.split(' ').some((s) => equal(s, expected));
}

/** Ids seen lately (a Set keeps insertion order: the oldest go first). */
const seen = new Set();
function remember(id) {
  const duplicate = seen.has(id);
  seen.delete(id);
  seen.add(id);
  if (seen.size > MAX_SEEN) seen.delete(seen.values().next().value);
  return duplicate;
}

/** The body parsed as JSON, or undefined (a channel message may be any content type). */
function parseJson(body, contentType) {
  if (!/^[^;]*(\/json|\+json)\s*(;|$)/i.test(contentType ?? '')) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  let refused = false;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY && !refused) {
      refused = true;
      console.log(`receiver: REJECTED ${req.headers['x-servo-event']} (body larger than ${MAX_BODY} bytes)`);
      res.writeHead(413, { connection: 'close' }).end();
      req.destroy();
    }
    if (!refused) chunks.push(c);
  });
  req.on('end', () => {
    if (refused) return;
    const body = Buffer.concat(chunks); // verify these bytes, never re-serialised JSON
    const h = req.headers;
    const servoOk = verifyServo(body, h['x-servo-signature']);
    const standardOk = verifyStandard(body, h['webhook-id'], h['webhook-timestamp'], h['webhook-signature']);
    if (!servoOk || !standardOk) {
      console.log(
        `receiver: REJECTED ${h['x-servo-event']} (signature ${servoOk ? '' : 'X-Servo-Signature '}${standardOk ? '' : 'webhook-signature '}invalid)`,
      );
      res.writeHead(401).end();
      return;
    }
    const duplicate = remember(h['webhook-id']);
    const kind = h['x-servo-event'] ?? '?';
    const event = parseJson(body, h['content-type']);
    if (kind.startsWith('channel:') || event === null || typeof event !== 'object' || typeof event.event !== 'string') {
      // A channel message: its own content, no event envelope.
      console.log(
        `receiver: ${kind} message, ${body.length} bytes of ${h['content-type'] ?? 'unknown type'} (id ${h['webhook-id']}${duplicate ? ', duplicate' : ''}), signatures verified`,
      );
      res.writeHead(204).end();
      return;
    }
    console.log(
      `receiver: ${event.event} from ${event.servo?.name ?? '?'} (webhook ${event.webhook?.name ?? '?'}, id ${event.id}${duplicate ? ', duplicate' : ''}), signatures verified`,
    );
    if (event.event === 'after:measure') {
      for (const r of Array.isArray(event.results) ? event.results : []) {
        for (const reading of r.value?.readings ?? []) {
          const points = reading.data_points ?? [reading];
          for (const p of points) console.log(`receiver:   ${r.connector}: ${(p.metric ?? reading.metric).name} = ${p.value}`);
        }
      }
    }
    if (event.event === 'before:adjust') {
      const now = new Date();
      const m = now.getUTCHours() * 60 + now.getUTCMinutes();
      const allowed = from <= to ? m >= from && m < to : m >= from || m < to;
      const adjustments = Array.isArray(event.params?.adjustments) ? event.params.adjustments : [];
      const wanted = adjustments.map((a) => `${a.component_name}.${a.setting_name}=${a.value}`).join(' ');
      const tooMany = adjustments.find((a) => a.setting_name === 'replicas' && maxReplicas !== undefined && Number(a.value) > maxReplicas);
      if (!allowed || tooMany) {
        const reason = tooMany
          ? `Unable to authorize adjustment: at most ${maxReplicas} replicas are allowed, ${tooMany.component_name} asked for ${tooMany.value}.`
          : `Unable to authorize adjustment: Adjustments are only permitted between ${process.env.ADJUST_WINDOW ?? '00:00-03:00'} UTC.`;
        console.log(`receiver:   denying ${wanted}`);
        res.writeHead(200, { 'content-type': 'application/vnd.opsani.servo.errors.CancelEventError+json' });
        res.end(JSON.stringify({ reason }));
        return;
      }
      console.log(`receiver:   allowing ${wanted}`);
    }
    res.writeHead(204).end();
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`receiver: listening on http://127.0.0.1:${server.address().port}`);
});
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => server.close(() => process.exit(0)));
