#!/usr/bin/env node
// A webhook receiver as a Fetch-API handler, `(request: Request) => Promise<Response>`:
// the same module works in Deno, Bun, Workers, Hono (`app.post('/hook', (c) => handle(c.req.raw))`)
// or, run directly, in Node through @hono/node-server. It verifies both signatures,
// handles each message id once, and cancels adjustments asking for more than
// MAX_REPLICAS replicas.
//
//   WEBHOOK_SECRET=... [MAX_REPLICAS=3] node examples/receivers/fetch-handler.mjs [--port 8080]
import { cancelResponse, Idempotency, isEvent, isReceiverError, parse, verify } from 'servo-webhooks/receiver';

const secret = globalThis.process?.env.WEBHOOK_SECRET; // elsewhere: your platform's secret store
const maxReplicas = Number(globalThis.process?.env.MAX_REPLICAS ?? 3);
const seen = new Idempotency(); // ids remembered longer than the timestamp tolerance

/** Answers one webhook request. */
export async function handle(request) {
  try {
    const raw = new Uint8Array(await request.arrayBuffer()); // verify these bytes, never re-serialised JSON
    const { id } = await verify(raw, request.headers, { secrets: [secret] });
    const outcome = await seen.run(id, () => decide(parse(raw)));
    if (outcome.duplicate) console.log(`receiver: ${id} duplicate, already handled`);
    return outcome.duplicate ? new Response(null, { status: 204 }) : outcome.value;
  } catch (err) {
    if (!isReceiverError(err)) throw err;
    console.log(`receiver: rejected (${err.code})`);
    return Response.json({ error: err.code, message: err.message }, { status: err.status });
  }
}

/** What to do with one verified event; runs once per message id. */
function decide(body) {
  console.log(`receiver: ${body.event} id ${body.id}`);
  if (isEvent(body, 'before:adjust')) {
    const tooMany = body.params.adjustments.find((a) => a.setting_name === 'replicas' && Number(a.value) > maxReplicas);
    if (tooMany) return cancelResponse(`at most ${maxReplicas} replicas are allowed, ${tooMany.component_name} asked for ${tooMany.value}`);
  }
  return new Response(null, { status: 204 });
}

// Run directly: serve `handle` on 127.0.0.1 with Node's http server.
const { pathToFileURL } = await import('node:url');
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!secret) {
    console.error('receiver: set WEBHOOK_SECRET to the secret configured for the webhook');
    process.exit(2);
  }
  const { serve } = await import('@hono/node-server');
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8080;
  const server = serve({ fetch: handle, hostname: '127.0.0.1', port }, (info) => console.log(`receiver: listening on http://127.0.0.1:${info.port}`));
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => server.close(() => process.exit(0)));
}
