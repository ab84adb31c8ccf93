/**
 * `servo webhooks list | dead | enable | schema | trigger | listen | verify | keygen`: the webhooks, the
 * read-only dead-letter view of a SQLite store, re-enabling a webhook a 410
 * disabled, request body schemas, real signed test requests and a receiver
 * for development.
 * Loaded only when `servo webhooks ...` runs.
 * @module
 */
import type { Command } from 'commander';
import type { CliContext } from 'servo-core';
import { parseLimit } from './limit.js';
import type { ListenOptions } from './listen.js';
import type { RedeliverOptions } from './redeliver.js';
import type { VerifyCliOptions } from './verify.js';

/** Mounts the sub-commands under `servo webhooks`. */
export function register(group: Command, ctx: CliContext): void {
  group
    .command('list')
    .description('list webhooks: name, events or channels, URL, failure policy, retries, timeout (never the secret)')
    .option('--stats', 'add pending and dead-letter counts from the delivery store')
    .action(async (opts: { stats?: boolean }) => (await import('./list.js')).list(ctx, opts));
  group
    .command('dead')
    .argument('[name]', 'only this webhook')
    .description(
      'list dead-letter deliveries (SQLite store): id, webhook, event, failed_at, error; the body only with --body and --output json; never a secret',
    )
    .option('--limit <n>', 'most entries to print, newest first', parseLimit, 50)
    .option('--body', 'with --output json: include each body as text')
    .action(async (name: string | undefined, opts: { limit: number; body?: boolean }) => (await import('./dead.js')).dead(ctx, name, opts));
  group
    .command('enable')
    .argument('<name>', 'the webhook a 410 Gone disabled')
    .option('--connector <name>', 'the webhooks connector instance (when several are configured)')
    .description('re-enable a webhook that answered 410 Gone; a running servo (sqlite store) resumes its deliveries within seconds')
    .action(async (name: string, opts: { connector?: string }) => (await import('./enable.js')).enable(ctx, name, opts));
  group
    .command('schema')
    .argument('<event>', 'before:EVENT or after:EVENT')
    .description('print the Content-Type and the JSON Schema of the request body for an event')
    .action(async (event: string) => (await import('./schema.js')).schema(ctx, event));
  group
    .command('redeliver')
    .argument('[name]', 'only deliveries of this webhook')
    .option('--id <id>', 'the delivery with this id (dead or pending)')
    .option('--dead', 'the dead-letter list')
    .option('--pending', 'pending deliveries no running servo holds')
    .option('--since <time>', 'only those since this time (2026-12-01T10:00:00Z) or this long ago (2h)')
    .description('send deliveries a sqlite store keeps again now, same ids and bodies; a line per delivery, exit 1 if any failed')
    .action(async (name: string | undefined, opts: RedeliverOptions) => (await import('./redeliver.js')).redeliver(ctx, name, opts));
  group
    .command('listen')
    .description('a receiver for development: print each delivery (signatures verified or why not, the body) and answer as told; Ctrl-C prints a summary')
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--secret <secret>', 'verify signatures with this secret (repeat for several: any may match)', collectValues)
    .option('--public-key <whpk>', 'verify v1a signatures with this whpk_ ed25519 public key (repeatable)', collectValues)
    .option('--webhook <name>', "verify signatures with the keys of this webhook in servo.yaml (its secrets, its signing_key's public key)")
    .option('--cancel <reason>', 'answer before: events with the cancel protocol and this reason')
    .option('--status <n>', 'answer with this HTTP status (default 200)')
    .option('--fail-rate <r>', 'answer 503 at this rate (0..1 or a percentage), to watch retries')
    .option('--delay <duration>', 'wait this long before answering, e.g. 2s')
    .option('--quiet', 'one line per delivery, without the body')
    .action(async (opts: ListenOptions) => (await import('./listen.js')).listen(ctx, opts));
  group
    .command('verify')
    .argument('[body_file]', 'the raw request body, byte for byte (optional with a listen record in --headers)')
    .description("check a saved request's signatures: which schemes verify and why not; exit 0 only when each scheme present verifies")
    .option('--secret <secret>', 'a secret to verify with (repeat for several: any may match)', collectValues)
    .option('--secret-env <var>', 'an environment variable holding a secret (repeatable; keeps it out of shell history)', collectValues)
    .option('--public-key <whpk>', 'a whpk_ ed25519 public key for v1a signatures (repeatable)', collectValues)
    .option('-H, --header <header>', "a request header, 'name: value' (repeatable)", collectValues)
    .option('--headers <file>', 'headers from a JSON file: an object of headers, or a record of servo webhooks listen --output json')
    .option('--tolerance <seconds>', 'largest webhook-timestamp distance from now, either way', '300')
    .option('--no-timestamp-check', 'skip the timestamp check (a request saved long ago)')
    .action(async (bodyFile: string | undefined, opts: VerifyCliOptions) => (await import('./verify.js')).verifyCommand(ctx, bodyFile, opts));
  group
    .command('keygen')
    .description('print a new ed25519 key pair: a whsk_ signing_key for a webhook (v1a signatures) and the whpk_ public key for its receivers')
    .action(async () => (await import('./keygen.js')).keygen(ctx));
  group
    .command('trigger')
    .argument('<event>', 'before:EVENT, after:EVENT or ping')
    .argument('[target]', 'a webhook name or a URL (default: every webhook configured for the event)')
    .option('--data <file>', 'send this file as the body, byte for byte, instead of a representative one')
    .option('--secret-env <var>', 'for a URL that is not configured: the environment variable holding the secret', 'WEBHOOK_SECRET')
    .option('--connector <name>', 'only webhooks of this webhooks connector instance (when several are configured)')
    .option('--show-body', 'also print the exact body sent (with --output json: sent_body)')
    .description('send a real signed request and print status, latency and answer; exit 1 unless every answer is 2xx')
    .action(async (event: string, target: string | undefined, opts: { data?: string; secretEnv: string; connector?: string; showBody?: boolean }) =>
      (await import('./trigger.js')).trigger(ctx, event, target, opts),
    );
}

/** Collects a repeatable option's values. */
function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
