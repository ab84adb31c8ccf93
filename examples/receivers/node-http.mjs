#!/usr/bin/env node
// A webhook receiver on node:http built with the servo-webhooks receiver toolkit:
// verify both signatures over the raw body, handle each message id once, and
// gate adjustments (cancel any asking for more than MAX_REPLICAS replicas).
//
//   WEBHOOK_SECRET=... [MAX_REPLICAS=3] node examples/receivers/node-http.mjs [--port 8080]
import { createServer } from 'node:http';
import { cancel, Idempotency, isEvent, isReceiverError, parse, verify } from 'servo-webhooks/receiver';
import { readNodeRequest, send } from 'servo-webhooks/receiver/node';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('receiver: set WEBHOOK_SECRET to the secret configured for the webhook');
  process.exit(2);
}
const maxReplicas = Number(process.env.MAX_REPLICAS ?? 3);
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8080;
const seen = new Idempotency(); // ids remembered longer than the timestamp tolerance
const ok = { status: 204, headers: {}, body: '' };

/** What to do with one verified event; runs once per message id. */
function handle(body) {
  console.log(`receiver: ${body.event} id ${body.id}`);
  if (isEvent(body, 'before:adjust')) {
    const tooMany = body.params.adjustments.find((a) => a.setting_name === 'replicas' && Number(a.value) > maxReplicas);
    if (tooMany) return cancel(`at most ${maxReplicas} replicas are allowed, ${tooMany.component_name} asked for ${tooMany.value}`);
  }
  return ok;
}

const server = createServer(async (req, res) => {
  try {
    const raw = await readNodeRequest(req, { limit: 1 << 20 }); // the raw bytes: 413 past 1 MiB
    const { id } = await verify(raw, req.headers, { secrets: [secret] });
    const outcome = await seen.run(id, () => handle(parse(raw)));
    if (outcome.duplicate) console.log(`receiver: ${id} duplicate, already handled`);
    send(res, outcome.duplicate ? ok : outcome.value);
  } catch (err) {
    if (!isReceiverError(err)) throw err;
    console.log(`receiver: rejected (${err.code})`);
    send(res, err); // 400, 401, 409, 413, ... with {error, message}
  }
});
server.listen(port, '127.0.0.1', () => console.log(`receiver: listening on http://127.0.0.1:${server.address().port}`));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => server.close(() => process.exit(0)));
