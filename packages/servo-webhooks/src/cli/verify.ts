/**
 * `servo webhooks verify --secret S (-H 'name: value')... BODY_FILE`: checks a
 * saved request's signatures with the receiver toolkit's own `verify` and says,
 * per scheme, whether it verifies and exactly why not. Headers come from `-H`
 * options or `--headers FILE` (a JSON object of headers, or a record of
 * `servo webhooks listen --output json`, whose body is used when no BODY_FILE
 * is given). Exit 0 only when each scheme present verifies.
 * @module
 */
import type { CliContext } from 'servo-core';
import { ExitCodes, ExitError, UsageError, formatJson, terminalText } from 'servo-core/cli';
import { inputFileProblem, readInputFile } from '../files.js';
import { isReceiverError, verify as verifyRequest, type SchemeResult } from '../receiver/index.node.js';
import { outputOf, write } from './common.js';

/** Options of `servo webhooks verify`. */
export interface VerifyCliOptions {
  secret?: string[];
  secretEnv?: string[];
  publicKey?: string[];
  header?: string[];
  headers?: string;
  tolerance?: string;
  timestampCheck?: boolean;
}

function readFile(path: string, what: string): Buffer {
  const problem = inputFileProblem(path);
  if (problem) throw new UsageError(`cannot read ${what} ${path}: it ${problem}`);
  return readInputFile(path);
}

function headersFrom(opts: VerifyCliOptions): { headers: Record<string, string | string[]>; body?: Buffer } {
  const headers: Record<string, string | string[]> = {};
  let body: Buffer | undefined;
  if (opts.headers !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(opts.headers, '--headers').toString('utf8'));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--headers ${opts.headers} is not JSON: give a JSON object of headers, or a record of servo webhooks listen --output json`);
    }
    const record = parsed as { headers?: unknown; body?: unknown };
    const source = record !== null && typeof record === 'object' && typeof record.headers === 'object' && record.headers !== null ? record.headers : parsed;
    if (source === null || typeof source !== 'object' || Array.isArray(source))
      throw new UsageError(`--headers ${opts.headers}: expected a JSON object of header names to values`);
    for (const [name, value] of Object.entries(source))
      if (typeof value === 'string' || Array.isArray(value)) headers[name.toLowerCase()] = value as string | string[];
    if (source !== parsed && typeof record.body === 'string') body = Buffer.from(record.body, 'utf8');
  }
  for (const h of opts.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`-H ${JSON.stringify(h)}: expected 'name: value'`);
    const name = h.slice(0, colon).trim().toLowerCase();
    const value = h.slice(colon + 1).trim();
    const prior = headers[name];
    headers[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return { headers, ...(body ? { body } : {}) };
}

function secretsFrom(opts: VerifyCliOptions, env: Readonly<Record<string, string | undefined>>): string[] {
  const secrets = [...(opts.secret ?? [])];
  for (const name of opts.secretEnv ?? []) {
    const value = env[name];
    if (!value) throw new UsageError(`--secret-env ${name}: the environment variable is not set`);
    secrets.push(value);
  }
  return secrets;
}

function toleranceFrom(opts: VerifyCliOptions): number | undefined {
  if (opts.tolerance === undefined) return undefined;
  const n = Number(opts.tolerance);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--tolerance ${JSON.stringify(opts.tolerance)}: expected a positive number of seconds (use --no-timestamp-check to skip the check)`);
  return n;
}

const mark = (s: SchemeResult) => (s.ok === true ? '✓' : s.ok === false ? '✗' : '?');

/** `servo webhooks verify` */
export async function verifyCommand(ctx: CliContext, bodyFile: string | undefined, opts: VerifyCliOptions): Promise<void> {
  const { headers, body: recorded } = headersFrom(opts);
  if (bodyFile === undefined && recorded === undefined)
    throw new UsageError('give the body: BODY_FILE, or --headers with a record of servo webhooks listen --output json');
  const body = bodyFile !== undefined ? readFile(bodyFile, 'BODY_FILE') : recorded!;
  const secrets = secretsFrom(opts, ctx.env);
  const publicKeys = opts.publicKey ?? [];
  if (secrets.length + publicKeys.length === 0) throw new UsageError('give at least one --secret (or --secret-env VAR) or --public-key whpk_...');
  const toleranceSeconds = toleranceFrom(opts);
  let schemes: SchemeResult[];
  let id: string | undefined;
  try {
    const verified = await verifyRequest(body, headers, {
      secrets,
      publicKeys,
      legacy: true,
      ...(toleranceSeconds !== undefined ? { toleranceSeconds } : {}),
      ...(opts.timestampCheck === false ? { checkTimestamp: false } : {}),
    });
    schemes = verified.schemes;
    id = verified.id;
  } catch (err) {
    if (!isReceiverError(err)) throw err;
    if (err.code === 'invalid_key')
      throw new UsageError(
        err.message
          .replace(/secrets\[(\d+)\]/, (_, i) => `secret #${Number(i) + 1}`)
          .replace(/publicKeys\[(\d+)\]/, (_, i) => `--public-key #${Number(i) + 1}`),
      );
    if (err.schemes.length === 0) throw new ExitError(ExitCodes.failed, `servo: ${err.message}`);
    schemes = [...err.schemes];
  }
  const ok = schemes.length > 0 && schemes.every((s) => s.ok === true);
  if (outputOf(ctx) === 'json') {
    write(ctx, formatJson({ ok, id: id ?? null, schemes }));
  } else {
    const lines = schemes.map(
      (s) => `${mark(s)} ${s.scheme.padEnd(18)} ${s.ok === true ? 'verified' : s.ok === false ? 'does not verify' : 'not checked'}: ${s.reason}`,
    );
    write(ctx, `${lines.join('\n')}\n`);
  }
  if (!ok) {
    const bad = schemes.filter((s) => s.ok !== true).map((s) => s.scheme);
    throw new ExitError(ExitCodes.failed, `servo: ${bad.join(' and ')} did not verify${id ? ` (webhook-id ${terminalText(id)})` : ''}`);
  }
}
