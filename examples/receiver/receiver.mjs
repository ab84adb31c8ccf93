#!/usr/bin/env node
// A webhook receiver for servo-webhooks, in plain Node: it verifies both
// signatures over the RAW body, prints each delivery, and acts as an
// admission gate for adjustments (only inside an allowed UTC window).
//
//   WEBHOOK_SECRET=... node examples/receiver/receiver.mjs [--port 8080]
//   ADJUST_WINDOW=00:00-03:00 (default) sets when adjustments are allowed.
//   MAX_REPLICAS=3 (optional) also denies adjustments asking for more replicas than that.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('receiver: set WEBHOOK_SECRET to the secret configured for the webhook');
  process.exit(2);
}
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8080;
const [from, to] = (process.env.ADJUST_WINDOW ?? '00:00-03:00').split('-').map(minutes);
const maxReplicas = process.env.MAX_REPLICAS ? Number(process.env.MAX_REPLICAS) : undefined;

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
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replay window
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
  return header.split(' ').some((s) => equal(s, expected));
}

const seen = new Set();
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
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
    const duplicate = seen.has(h['webhook-id']);
    seen.add(h['webhook-id']);
    const event = JSON.parse(body.toString('utf8'));
    console.log(
      `receiver: ${event.event} from ${event.servo.name} (webhook ${event.webhook.name}, id ${event.id}${duplicate ? ', duplicate' : ''}), signatures verified`,
    );
    if (event.event === 'after:measure') {
      for (const r of event.results) {
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
      const wanted = event.params.adjustments.map((a) => `${a.component_name}.${a.setting_name}=${a.value}`).join(' ');
      const tooMany = event.params.adjustments.find((a) => a.setting_name === 'replicas' && maxReplicas !== undefined && Number(a.value) > maxReplicas);
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
