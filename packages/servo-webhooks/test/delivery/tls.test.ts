import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryEngine } from '../../src/delivery/engine.js';
import { isWebhookError } from '../../src/errors.js';
import { bytes, endpoint } from './helpers.js';
import { skipWithout } from '../../../../test-support/index.js';

const seen: { httpVersion: string; id: string | undefined; body: string }[] = [];
let dir: string;
let server: Http2SecureServer;
let url: string;
let caPath: string;

// Skipped only outside CI: .ci/run installs openssl, so in CI a missing one fails the test.
describe.skipIf(skipWithout('openssl', ['version']))('TLS and HTTP/2 (certificate made with openssl at test time)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'servo-webhooks-tls-'));
    caPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        caPath,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    server = createSecureServer({ key: readFileSync(keyPath), cert: readFileSync(caPath), allowHTTP1: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ httpVersion: req.httpVersion, id: req.headers['x-servo-delivery'] as string | undefined, body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function sendWith(opts: { http2?: boolean; ca?: string }) {
    const e = new DeliveryEngine({ endpoints: [endpoint('tls', url, { retry: false })], userAgent: 't', ...opts });
    try {
      return await e.send(
        { webhook: 'tls', event: 'before:x', body: bytes('{"h":2}'), contentType: 'application/json', id: 'msg_tls' },
        { deadlineMs: 10_000 },
      );
    } finally {
      await e.close();
    }
  }

  it('speaks HTTP/2 when enabled, trusting the configured CA', async () => {
    seen.length = 0;
    const out = await sendWith({ http2: true, ca: caPath });
    expect(out.ok).toBe(true);
    expect(seen).toEqual([{ httpVersion: '2.0', id: 'msg_tls', body: '{"h":2}' }]);
  });

  it('stays on HTTP/1.1 by default', async () => {
    seen.length = 0;
    const out = await sendWith({ ca: caPath });
    expect(out.ok).toBe(true);
    expect(seen.map((s) => s.httpVersion)).toEqual(['1.1']);
  });

  it('verifies certificates: an unknown CA is a network error and nothing is sent', async () => {
    seen.length = 0;
    const out = await sendWith({ http2: true });
    expect(out.ok).toBe(false);
    expect(!out.ok && isWebhookError(out.error, 'WEBHOOK_NETWORK')).toBe(true);
    expect(seen).toEqual([]);
  });
});
