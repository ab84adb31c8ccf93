/**
 * The package's public surface, as an installed package exposes it: every
 * entry of package.json "exports", imported from the build. A change to these
 * lists is a change to the public API: make it on purpose.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
};

const expected: Record<string, string[]> = {
  '.': [
    'CANCEL_CONTENT_TYPES',
    'DEFAULTS',
    'EVENT_CONTENT_TYPE',
    'USER_AGENT',
    'VERSION',
    'WebhookError',
    'WebhookErrorCodes',
    'configSchema',
    'isCancelContentType',
    'isWebhookError',
    'signRequest',
    'verifyServoSignature',
    'verifyStandardSignature',
    'webhooksConnector',
  ],
  './delivery': [
    'CircuitBreaker',
    'DEFAULT_BACKOFF',
    'DEFAULT_BODY_CAP',
    'DEFAULT_BREAKER',
    'DeliveryEngine',
    'MemoryStore',
    'SqliteStore',
    'backoffDelay',
    'classifyStatus',
    'newMessageId',
    'nextRetryDelay',
    'openStore',
    'parseRetryAfter',
  ],
  './payload': [
    'CANCEL_CONTENT_TYPES',
    'CIRCULAR',
    'EVENT_CONTENT_TYPE',
    'EVENT_MEDIA_TYPE',
    'EventBodies',
    'JSON_SCHEMA_DIALECT',
    'MAX_DEPTH',
    'SCHEMA_VERSION',
    'TOO_DEEP',
    'UNSERIALIZABLE',
    'bodySchema',
    'buildBody',
    'buildBodyJson',
    'errorObject',
    'isCancelContentType',
    'serializeJson',
  ],
  './signing': [
    'DEFAULT_TOLERANCE_SECONDS',
    'WebhookSecretError',
    'assertValidSecret',
    'createSigner',
    'generateSigningKey',
    'publicKeyOf',
    'servoSignature',
    'signRequest',
    'standardSignature',
    'verifyServoSignature',
    'verifyStandardSignature',
  ],
  './receiver': [
    'CANCEL_CONTENT_TYPE',
    'DEFAULT_TOLERANCE_SECONDS',
    'Idempotency',
    'ReceiverError',
    'ReceiverErrorCodes',
    'cancel',
    'cancelResponse',
    'isEvent',
    'isReceiverError',
    'parse',
    'verify',
  ],
  './receiver/node': ['DEFAULT_BODY_LIMIT', 'readNodeRequest', 'send'],
  './errors': [
    'CircuitOpenError',
    'DeadlineExceededError',
    'EndpointDisabledError',
    'EngineClosedError',
    'RedeliverError',
    'UnknownEndpointError',
    'WebhookAbortedError',
    'WebhookError',
    'WebhookErrorCodes',
    'WebhookGoneError',
    'WebhookHttpError',
    'WebhookNetworkError',
    'WebhookRedirectError',
    'WebhookStoreError',
    'WebhookTimeoutError',
    'isCircuitOpenError',
    'isWebhookError',
    'isWebhookHttpError',
    'isWebhookNetworkError',
    'isWebhookTimeoutError',
  ],
};

const entries = Object.entries(pkg.exports).filter(([name]) => name !== './package.json');

describe('package exports', () => {
  it('lists exactly the entry points whose names are pinned here', () => {
    expect(entries.map(([name]) => name).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(entries)('%s exports exactly its pinned runtime names, with types beside them', async (name, target) => {
    if (typeof target === 'string') throw new Error(`${name}: give it "types" and "default"`);
    expect(existsSync(join(pkgDir, target.types)), `${target.types} is built`).toBe(true);
    const mod = (await import(pathToFileURL(join(pkgDir, target.default)).href)) as Record<string, unknown>;
    expect(Object.keys(mod).sort()).toEqual([...expected[name]!].sort());
  });

  it('./receiver: the node condition build exports the same names as the WebCrypto build', async () => {
    const target = pkg.exports['./receiver'] as Record<string, string>;
    const mod = (await import(pathToFileURL(join(pkgDir, target.node!)).href)) as Record<string, unknown>;
    expect(Object.keys(mod).sort()).toEqual([...expected['./receiver']!].sort());
  });

  it('keeps the root small: what an application using the connector needs', () => {
    expect(expected['.']!.length).toBeLessThanOrEqual(20);
  });
});
