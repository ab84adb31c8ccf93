/**
 * `servo webhooks listen`: a receiver for development on node:http. Prints
 * each delivery as it arrives (time, event, webhook, id, attempt number
 * counted by id, each signature scheme verified or why not, the body), answers
 * as told (200, a status, the cancel protocol, 503 at a rate, after a delay)
 * and prints a summary at SIGINT/SIGTERM. Remote text is escaped for the
 * terminal; `--output json` prints one JSON record per line.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { CliContext } from 'servo-core';
import { UsageError, terminalText } from 'servo-core/cli';
import { model, REDACTED } from 'servo-core';
import { CANCEL_CONTENT_TYPES } from '../payload/content-type.js';
import { outputOf, webhookInstances, write } from './common.js';
import { publicKeyOf } from '../signing.js';
import { checkSignatures, type SchemeCheck, type VerifyKeys } from './listen-check.js';

/** Flags of `servo webhooks listen`. */
export interface ListenOptions {
  port: string;
  host: string;
  secret?: string[];
  publicKey?: string[];
  webhook?: string;
  cancel?: string;
  status?: string;
  failRate?: string;
  delay?: string;
  quiet?: boolean;
}

/** Bodies past this size are answered 413 and not shown. */
const BODY_LIMIT = 10 * 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** How it is described on the terminal. */
  readonly label: string;
}

interface Tally {
  deliveries: number;
  retries: number;
  verified: number;
  failed: number;
  unchecked: number;
  readonly byEvent: Map<string, number>;
  readonly byStatus: Map<number, number>;
}

/** Runs the receiver until SIGINT or SIGTERM, then prints the summary. */
export async function listen(ctx: CliContext, opts: ListenOptions): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port ${opts.port}: expected a port number from 0 to 65535`);
  const plan = answerPlan(opts);
  const { keys, source } = await keysOf(ctx, opts);
  const json = outputOf(ctx) === 'json';
  const note = (text: string) => (json ? ctx.stderr : ctx.stdout).write(text);
  const attempts = new Map<string, number>();
  const tally: Tally = { deliveries: 0, retries: 0, verified: 0, failed: 0, unchecked: 0, byEvent: new Map(), byStatus: new Map() };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      req.resume();
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413, { connection: 'close' }).end();
      note(`${new Date().toISOString()} a body over ${BODY_LIMIT} bytes was refused (413)\n`);
      return;
    }
    const parsed = parseJson(body);
    const header = (n: string) => (Array.isArray(req.headers[n]) ? (req.headers[n] as string[]).join(', ') : (req.headers[n] as string | undefined));
    const id = header('webhook-id') ?? header('x-servo-delivery') ?? str(parsed?.id) ?? '(no id)';
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    const event = header('x-servo-event') ?? str(parsed?.event) ?? '(unknown event)';
    const webhook = str((parsed?.webhook as Record<string, unknown> | undefined)?.name) ?? '(unnamed)';
    const checks = await checkSignatures(body, req.headers, keys);
    const answer = plan(event);
    count(tally, event, attempt, checks, answer.status);
    const time = new Date().toISOString();
    if (json) {
      const record = {
        type: 'delivery',
        time,
        method: req.method,
        path: req.url,
        event,
        webhook,
        id,
        attempt,
        signatures: checks.map((c) => ({ scheme: c.scheme, ok: c.ok, ...(c.reason ? { reason: c.reason } : {}) })),
        headers: shownHeaders(req.headers),
        body: Buffer.from(body).toString('utf8'),
        answer: { status: answer.status, content_type: answer.contentType, body: answer.body },
      };
      write(ctx, `${JSON.stringify(record)}\n`);
    } else {
      write(ctx, render({ time, event, webhook, id, attempt, checks, answer, body, parsed, quiet: opts.quiet === true }));
    }
    if (plan.delayMs > 0) await new Promise((r) => setTimeout(r, plan.delayMs));
    res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      note(`servo: listen could not answer a request: ${terminalText(String((err as Error)?.message ?? err))}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => (stop = () => r()));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new UsageError(`cannot listen on ${opts.host}:${port}: ${err.code}; choose another --port`)
            : err,
        ),
      );
      server.listen(port, opts.host, () => resolve());
    });
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    note(`listening on http://${host}:${actual}/ (signatures: ${source}; answering ${plan.describe}); Ctrl-C to stop\n`);
    await stopped;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  if (json) write(ctx, `${JSON.stringify({ type: 'summary', ...summaryRecord(tally) })}\n`);
  else write(ctx, summaryText(tally));
}

async function keysOf(ctx: CliContext, opts: ListenOptions): Promise<{ keys: VerifyKeys | undefined; source: string }> {
  const given = opts.secret !== undefined || opts.publicKey !== undefined;
  if (given && opts.webhook !== undefined) throw new UsageError('give --secret / --public-key or --webhook, not both');
  if (given) {
    const secrets = opts.secret ?? [];
    const publicKeys = opts.publicKey ?? [];
    if (secrets.some((s) => s === '')) throw new UsageError('--secret cannot be empty');
    const n = secrets.length + publicKeys.length;
    return { keys: { secrets, publicKeys }, source: `checked with the ${n > 1 ? `${n} keys given (any may match)` : 'key given'}` };
  }
  if (opts.webhook === undefined) return { keys: undefined, source: 'not checked, give --secret or --webhook NAME' };
  const servo = await ctx.loadServo();
  const all = webhookInstances(servo).flatMap((i) => i.config.webhooks);
  const w = all.find((x) => x.name === opts.webhook);
  if (!w) throw new UsageError(`no webhook named "${opts.webhook}"; configured: ${all.map((x) => x.name).join(', ') || 'none'}`);
  // Every secret of a rotation, and the public half of its signing_key (v1a).
  const publicKeys = w.signingKey ? [publicKeyOf(w.signingKey)] : [];
  return { keys: { secrets: [...w.secrets], publicKeys }, source: `checked with the keys of webhook "${w.name}"` };
}

/** The answer to each delivery, from the flags. */
function answerPlan(opts: ListenOptions): ((event: string) => Answer) & { delayMs: number; describe: string } {
  if (opts.cancel !== undefined && opts.status !== undefined) throw new UsageError('give --cancel or --status, not both');
  let status = 200;
  if (opts.status !== undefined) {
    status = Number(opts.status);
    if (!/^\d{3}$/.test(opts.status) || status < 200 || status > 599) throw new UsageError(`--status ${opts.status}: expected an HTTP status from 200 to 599`);
  }
  let rate = 0;
  if (opts.failRate !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(opts.failRate.trim());
    rate = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
    if (!(rate >= 0 && rate <= 1)) throw new UsageError(`--fail-rate ${opts.failRate}: expected a fraction from 0 to 1 (or a percentage, e.g. 30%)`);
  }
  let delayMs = 0;
  if (opts.delay !== undefined) {
    try {
      delayMs = model.parseDuration(opts.delay);
    } catch (err) {
      throw new UsageError(`--delay ${opts.delay}: ${(err as Error).message}`);
    }
    if (!(delayMs >= 0 && delayMs <= 3_600_000)) throw new UsageError(`--delay ${opts.delay}: expected a duration from 0s to 1h, e.g. 2s`);
  }
  const reason = opts.cancel;
  const fn = (event: string): Answer => {
    if (rate > 0 && Math.random() < rate)
      return { status: 503, contentType: 'application/json', body: '{"reason":"servo webhooks listen --fail-rate"}', label: '503 (--fail-rate)' };
    if (reason !== undefined && event.startsWith('before:')) {
      return { status: 200, contentType: CANCEL_CONTENT_TYPES[0]!, body: JSON.stringify({ reason }), label: `200 cancel: ${reason}` };
    }
    const ok = status < 300;
    return {
      status,
      contentType: 'application/json',
      body: ok ? '{"ok":true}' : `{"reason":"servo webhooks listen --status ${status}"}`,
      label: String(status),
    };
  };
  const parts = [reason !== undefined ? `cancel to before: events ("${terminalText(reason)}"), 200 to others` : String(status)];
  if (rate > 0) parts.push(`503 at a rate of ${rate}`);
  if (delayMs > 0) parts.push(`after ${model.formatDuration(delayMs)}`);
  return Object.assign(fn, { delayMs, describe: parts.join(', ') });
}

function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        resolve(undefined);
        req.pause();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// Credentials a sender adds with `headers:` stay out of the record; the signature headers are kept (verify reads them).
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

function shownHeaders(headers: IncomingMessage['headers']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, CREDENTIAL_HEADERS.has(k) ? REDACTED : v]));
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function count(t: Tally, event: string, attempt: number, checks: readonly SchemeCheck[], status: number): void {
  t.deliveries++;
  if (attempt > 1) t.retries++;
  if (checks.some((c) => c.ok === null)) t.unchecked++;
  else if (checks.every((c) => c.ok)) t.verified++;
  else t.failed++;
  t.byEvent.set(event, (t.byEvent.get(event) ?? 0) + 1);
  t.byStatus.set(status, (t.byStatus.get(status) ?? 0) + 1);
}

interface Shown {
  time: string;
  event: string;
  webhook: string;
  id: string;
  attempt: number;
  checks: readonly SchemeCheck[];
  answer: Answer;
  body: Uint8Array;
  parsed: Record<string, unknown> | undefined;
  quiet: boolean;
}

function render(d: Shown): string {
  const t = (s: string) => terminalText(s);
  const mark = (c: SchemeCheck) => (c.ok === null ? '-' : c.ok ? '✓' : '✗');
  const head = `${d.time} ${t(d.event)} webhook ${t(d.webhook)} id ${t(d.id)} attempt ${d.attempt}`;
  if (d.quiet) return `${head} ${d.checks.map((c) => `${c.scheme} ${mark(c)}`).join(' ')} -> ${t(d.answer.label)}\n`;
  const lines = [head];
  for (const c of d.checks) lines.push(`  ${mark(c)} ${c.scheme}${c.reason ? `: ${t(c.reason)}` : ' verified'}`);
  lines.push(`  -> answered ${t(d.answer.label)}`);
  const text = d.parsed !== undefined ? JSON.stringify(d.parsed, null, 2) : Buffer.from(d.body).toString('utf8');
  for (const l of text.split('\n')) lines.push(`  | ${t(l)}`);
  return `${lines.join('\n')}\n`;
}

function summaryRecord(t: Tally) {
  return {
    deliveries: t.deliveries,
    retries: t.retries,
    signatures: { verified: t.verified, failed: t.failed, unchecked: t.unchecked },
    events: Object.fromEntries(t.byEvent),
    answers: Object.fromEntries(t.byStatus),
  };
}

function summaryText(t: Tally): string {
  const list = (m: Map<string | number, number>) => [...m].map(([k, n]) => `${terminalText(String(k))} ${n}`).join(', ') || 'none';
  return [
    '',
    `summary: ${t.deliveries} deliver${t.deliveries === 1 ? 'y' : 'ies'} (${t.retries} retr${t.retries === 1 ? 'y' : 'ies'})`,
    `  signatures: ${t.verified} verified, ${t.failed} failed, ${t.unchecked} not checked`,
    `  events: ${list(t.byEvent)}`,
    `  answers: ${list(t.byStatus)}`,
    '',
  ].join('\n');
}
