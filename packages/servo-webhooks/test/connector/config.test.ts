/**
 * The webhooks section of servo.yaml, through the connector's config schema
 * (the `servo validate` subprocess cases are in test/cli/validate.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { standardEvents } from 'servo-core';
import { configSchema, encodeConfig, type WebhooksConfig } from '../../src/config/index.js';
import { SEED_YAML } from '../helpers/seed.js';

const EVENTS = standardEvents.map((e) => e.name);
const schema = configSchema({ events: EVENTS });

/** Parses a section; throws with the issues when invalid. */
function ok(input: unknown): WebhooksConfig {
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(`expected valid, got:\n${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return r.data;
}

/** The issues of an invalid section, as `path: message`. */
function issues(input: unknown, events: readonly string[] = EVENTS): string[] {
  const r = configSchema({ events }).safeParse(input);
  expect(r.success, 'expected the section to be rejected').toBe(false);
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const base = { name: 'hook', events: 'after:measure', url: 'http://127.0.0.1:9/hook', secret: 'sup3r-s3cret-value' };

// The seed's example, verbatim in content, indented as YAML under `webhooks:`.
describe('webhooks config: accepted forms', () => {
  it("loads the seed's YAML as written (list form, headers as a list of {name, value})", () => {
    const cfg = ok(parse(SEED_YAML).webhooks);
    expect(cfg.webhooks).toHaveLength(1);
    const w = cfg.webhooks[0]!;
    expect(w).toMatchObject({
      name: 'my_measure_handler',
      description: 'Store measurement info into Elastic Search.',
      events: [{ preposition: 'after', event: 'measure' }],
      url: 'https://example.com/webhooks',
      secret: 's3cr3t',
      headers: { 'x-some-header': 'some value' },
      retry: { maxTries: 3, maxTimeMs: 5 * 60_000 },
    });
    // The list form gets the connector-level defaults.
    expect(cfg.settings.store).toEqual({ kind: 'memory' });
  });

  it('accepts headers as a map', () => {
    const w = ok([{ ...base, headers: { 'X-Team': 'perf', authorization: 'Bearer abc' } }]).webhooks[0]!;
    expect(w.headers).toEqual({ 'X-Team': 'perf', authorization: 'Bearer abc' });
  });

  it('accepts the mapping form with delivery settings beside the list', () => {
    const cfg = ok({
      store: 'sqlite:./hooks.db',
      drain_timeout: '3s',
      retry_floor: '250ms',
      concurrency: 2,
      max_queue: 50,
      breaker: { failures: 2, cooldown: '1m' },
      webhooks: [base],
    });
    expect(cfg.settings).toMatchObject({
      store: { kind: 'sqlite', path: './hooks.db' },
      drainTimeoutMs: 3000,
      retryFloorMs: 250,
      concurrency: 2,
      maxQueue: 50,
      breaker: { failures: 2, cooldownMs: 60_000 },
    });
    expect(cfg.webhooks.map((w) => w.name)).toEqual(['hook']);
  });

  it('rejects unknown keys of the mapping form and of a webhook', () => {
    expect(issues({ webhooks: [base], drain_timout: '3s' }).join('\n')).toMatch(/drain_timout/);
    expect(issues([{ ...base, retries: 3 }]).join('\n')).toMatch(/retries/);
  });

  it('takes `events` as a string or a list (duplicates collapsed)', () => {
    expect(ok([{ ...base, events: 'before:adjust' }]).webhooks[0]!.events).toEqual([{ preposition: 'before', event: 'adjust' }]);
    expect(ok([{ ...base, events: ['after:measure', 'before:adjust', 'after:measure'] }]).webhooks[0]!.events).toEqual([
      { preposition: 'after', event: 'measure' },
      { preposition: 'before', event: 'adjust' },
    ]);
  });

  it('applies the documented defaults: 3 tries within 5m, 10s timeout, failure_policy fail, names by position', () => {
    const [a, b] = ok([
      { events: 'after:measure', url: 'https://a.example/x', secret: 'k1' },
      { events: 'after:measure', url: 'https://b.example/x', secret: 'k2' },
    ]).webhooks;
    expect(a).toMatchObject({ retry: { maxTries: 3, maxTimeMs: 300_000 }, timeoutMs: 10_000, failurePolicy: 'fail' });
    expect([a!.name, b!.name]).toEqual(['webhook_1', 'webhook_2']);
  });

  it('reads backoff {max_tries, max_time}, and `backoff: false` as a single attempt', () => {
    expect(ok([{ ...base, backoff: { max_tries: 5, max_time: '30s' } }]).webhooks[0]!.retry).toEqual({ maxTries: 5, maxTimeMs: 30_000 });
    expect(ok([{ ...base, backoff: { max_tries: 2 } }]).webhooks[0]!.retry).toEqual({ maxTries: 2, maxTimeMs: 300_000 });
    expect(ok([{ ...base, backoff: false }]).webhooks[0]!.retry).toBe(false);
    expect(issues([{ ...base, backoff: true }]).join('\n')).toMatch(/^0\.backoff/);
    expect(issues([{ ...base, backoff: { max_tries: 0 } }]).join('\n')).toMatch(/0\.backoff\.max_tries: .*at least 1/);
    expect(issues([{ ...base, backoff: { max_time: 'forever' } }]).join('\n')).toMatch(/0\.backoff\.max_time: invalid duration/);
  });

  it('reads timeout and failure_policy', () => {
    const w = ok([{ ...base, events: 'before:adjust', timeout: '200ms', failure_policy: 'ignore', deadline: '2s' }]).webhooks[0]!;
    expect(w).toMatchObject({ timeoutMs: 200, failurePolicy: 'ignore', deadlineMs: 2000 });
    expect(issues([{ ...base, timeout: 'soon' }]).join('\n')).toMatch(/0\.timeout: invalid duration/);
    const policy = issues([{ ...base, events: 'before:adjust', failure_policy: 'maybe' }]).join('\n');
    expect(policy).toMatch(/0\.failure_policy/);
    expect(policy).toMatch(/ignore/);
    expect(policy).toMatch(/fail/);
  });

  it('accepts http and https URLs only', () => {
    expect(ok([{ ...base, url: 'https://hooks.example.com/a?b=c' }]).webhooks[0]!.url).toBe('https://hooks.example.com/a?b=c');
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'example.com/hook', 'not a url']) {
      expect(issues([{ ...base, url }]).join('\n'), url).toMatch(/0\.url: expected an http:\/\/ or https:\/\/ URL/);
    }
  });

  it('takes channels and response_channel for pub/sub webhooks (events optional then)', () => {
    const w = ok([{ name: 'pub', channels: 'metrics.*', response_channel: 'replies', url: 'http://127.0.0.1:9/x', secret: 'k' }]).webhooks[0]!;
    expect(w).toMatchObject({ events: [], channels: ['metrics.*'], responseChannel: 'replies' });
    expect(issues([{ name: 'nothing', url: 'http://127.0.0.1:9/x', secret: 'k' }]).join('\n')).toMatch(/needs `events`.*or `channels`/);
  });

  it('rejects a channel selector that does not compile and a response_channel that is not a channel name', () => {
    const sub = { name: 'pub', url: 'http://127.0.0.1:9/x', secret: 'k' };
    expect(ok([{ ...sub, channels: ['metrics.*', '/^logs\\./', 'exact.name'] }]).webhooks[0]!.channels).toHaveLength(3);
    expect(issues([{ ...sub, channels: ['metrics.*', '/[/'] }]).join('\n')).toMatch(/^0\.channels\.1: invalid channel selector "\/\[\/"/);
    expect(issues([{ ...sub, channels: 'a b' }]).join('\n')).toMatch(/^0\.channels: /);
    expect(issues([{ ...sub, channels: 'metrics.*', response_channel: 'bad channel!' }]).join('\n')).toMatch(/^0\.response_channel: expected a channel name/);
  });
});

describe('webhooks config: event references', () => {
  const choiceList = /expected one of: .*before:measure, after:measure.*before:adjust, after:adjust/;

  it('rejects `on:measure`, saying why and listing the valid choices', () => {
    const [msg] = issues([{ ...base, events: 'on:measure' }]);
    expect(msg).toMatch(/^0\.events: `on:` is not supported/);
    expect(msg).toMatch(choiceList);
  });

  it('rejects an unknown event, listing the valid choices', () => {
    const [msg] = issues([{ ...base, events: ['after:measure', 'after:measur'] }]);
    expect(msg).toMatch(/^0\.events\.1: unknown event "measur"/);
    expect(msg).toMatch(choiceList);
  });

  it('rejects the wrong case (`After:measure`), suggesting the right spelling', () => {
    const [msg] = issues([{ ...base, events: 'After:measure' }]);
    expect(msg).toMatch(/wrong case, write "after:measure"/);
    expect(msg).toMatch(choiceList);
  });

  it('rejects a reference without a preposition and an unknown preposition', () => {
    expect(issues([{ ...base, events: 'measure' }]).join('\n')).toMatch(/expected the form \(before\|after\):EVENT/);
    expect(issues([{ ...base, events: 'during:measure' }]).join('\n')).toMatch(/unknown preposition "during"/);
  });

  it("knows the assembly's own events: `after:deploy` is valid only when a connector declares deploy", () => {
    expect(issues([{ ...base, events: 'after:deploy' }]).join('\n')).toMatch(/unknown event "deploy"/);
    const r = configSchema({ events: [...EVENTS, 'deploy'] }).safeParse([{ ...base, events: ['before:deploy', 'after:deploy'] }]);
    expect(r.success).toBe(true);
  });
});

describe('webhooks config: secrets, headers, names', () => {
  it('requires a secret, and says how to keep it out of the file', () => {
    const { secret: _drop, ...noSecret } = base;
    expect(issues([noSecret]).join('\n')).toMatch(/0\.secret: a secret is required.*\$\{ENV_VAR\}/);
    expect(issues([{ ...base, secret: '' }]).join('\n')).toMatch(/0\.secret: the secret cannot be empty/);
  });

  it('rejects a whsec_ secret whose key is not base64, without echoing it', () => {
    const secret = 'whsec_not*base64!really';
    const out = issues([{ ...base, secret }]).join('\n');
    expect(out).toMatch(/^0\.secret: .*whsec_/);
    expect(out).not.toContain(secret);
  });

  it.each([
    ['x-servo-signature'],
    ['X-Servo-Signature'],
    ['Content-Type'],
    ['webhook-id'],
    ['webhook-signature'],
    ['webhook-timestamp'],
    ['x-servo-delivery'],
    ['x-servo-event'],
    ['user-agent'],
  ])('rejects the reserved header %s (list and map forms)', (name) => {
    expect(
      issues([
        {
          ...base,
          headers: [
            { name: 'x-ok', value: '1' },
            { name, value: 'forged' },
          ],
        },
      ]),
    ).toEqual([`0.headers.1.name: header "${name}" is set by the connector and cannot be replaced`]);
    expect(issues([{ ...base, headers: { [name]: 'forged' } }])).toEqual([
      `0.headers.${name}: header "${name}" is set by the connector and cannot be replaced`,
    ]);
  });

  it('rejects header names and values the HTTP client would refuse (every request would fail)', () => {
    expect(issues([{ ...base, headers: [{ name: 'x bad', value: 'v' }] }])).toEqual([
      expect.stringMatching(/^0\.headers\.0\.name: "x bad" is not a valid HTTP header name/),
    ]);
    expect(issues([{ ...base, headers: [{ name: 'x-ok', value: 'line1\nline2' }] }])).toEqual([
      expect.stringMatching(/^0\.headers\.0\.value: the value of header "x-ok" cannot hold line breaks/),
    ]);
    expect(issues([{ ...base, headers: { 'x:colon': 'v' } }])).toEqual([
      expect.stringMatching(/^0\.headers\.x:colon: "x:colon" is not a valid HTTP header name/),
    ]);
    expect(issues([{ ...base, headers: { 'x-ok': 'price in €' } }])).toEqual([expect.stringMatching(/^0\.headers\.x-ok: .*beyond Latin-1/)]);
    expect(issues([{ ...base, headers: { 'x-token': 'Bearer abc\r\nX-Evil: 1' } }]).join('\n')).not.toContain('Bearer abc');
    expect(ok([{ ...base, headers: { 'x-ok': 'tab\tand café' } }]).webhooks[0]!.headers).toEqual({ 'x-ok': 'tab\tand café' });
  });

  it('rejects duplicate webhook names, pointing at the second one', () => {
    const out = issues({ webhooks: [base, { ...base, url: 'https://other.example/x' }] });
    expect(out).toEqual(['webhooks.1.name: duplicate webhook name "hook" (also used by entry 1)']);
  });

  it('rejects an explicit name that collides with the name given to an unnamed webhook', () => {
    // The second entry would be named "webhook_2" by position.
    const out = issues([
      { ...base, name: 'webhook_2' },
      { events: 'after:measure', url: 'https://b.example/x', secret: 'k2' },
    ]).join('\n');
    expect(out).toMatch(/duplicate webhook name "webhook_2"/);
  });

  it('never puts a secret value in an error message', () => {
    const secret = 'Very-Secret-Value-42';
    const r = schema.safeParse([{ ...base, secret, url: 'ftp://x', headers: { 'x-servo-signature': 'y' }, events: 'on:measure', timeout: 'x' }]);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).not.toContain(secret);
  });
});

describe('encodeConfig (what `servo config` prints)', () => {
  it('writes the servo.yaml form, which reads back to the same configuration (header values masked)', () => {
    const config = schema.parse({
      store: 'sqlite:./hooks.db',
      drain_timeout: '45s',
      webhooks: [
        { ...base, headers: [{ name: 'x-a', value: '1' }], backoff: { max_tries: 4, max_time: '2m' }, timeout: '1500ms' },
        { name: 'gate', events: ['before:adjust'], url: 'https://127.0.0.1:9/gate', secret: 'x', backoff: false, failure_policy: 'fail' },
        { name: 'pipe', channels: ['metrics.*'], response_channel: 'answers', url: 'http://127.0.0.1:9/p', secret: 'y' },
      ],
    });
    const encoded = encodeConfig(config) as { drain_timeout: string; webhooks: Record<string, unknown>[] };
    expect(encoded.drain_timeout).toBe('45s');
    expect(encoded.webhooks[0]).toMatchObject({ events: ['after:measure'], backoff: { max_tries: 4, max_time: '2m' }, timeout: '1.5s' });
    expect(encoded.webhooks[1]).toMatchObject({ backoff: false, failure_policy: 'fail' });
    // Everything reads back the same, but for header values, which are masked.
    const masked = {
      ...config,
      webhooks: config.webhooks.map((w) => ({ ...w, headers: Object.fromEntries(Object.keys(w.headers).map((k) => [k, '********'])) })),
    };
    expect(schema.parse(encoded)).toEqual(masked);
    expect(encoded.webhooks[0]!.headers).toEqual({ 'x-a': '********' });
  });
});
