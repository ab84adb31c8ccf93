/**
 * `servo webhooks schema` output for every standard event compiles in ajv's
 * strict mode (draft 2020-12 with ajv-formats, no `allowUnionTypes`), allows
 * fields it does not name, and validates the bodies a receiver on 127.0.0.1
 * really gets, optional fields as null included.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Servo } from 'servo-core';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';
import { compileStrict, jsonSchemaProblems } from '../helpers/json-schema.js';
import { EVENTS, dispatchAll, modelServo, modelWebhooks } from '../helpers/model-servo.js';

let asm: Assembly;
let rx: Receiver;
let servo: Servo | undefined;
beforeAll(async () => {
  asm = makeAssembly('webhooks:\n  - {events: after:measure, url: "http://127.0.0.1:9/x", secret: s}\n');
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await servo?.close();
  servo = undefined;
});
afterAll(async () => {
  await rx.close();
  asm.remove();
});

async function schemaOf(ref: string): Promise<Record<string, unknown>> {
  const run = await runCli(['webhooks', 'schema', ref, '--output', 'json'], { config: asm.configFile, cwd: asm.dir });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { schema: Record<string, unknown> }).schema;
}

describe('body JSON Schemas', () => {
  it('every standard event, before and after, compiles in ajv strict mode and names no closed object', async () => {
    for (const [event] of [...EVENTS, ['attach'], ['detach']]) {
      for (const ref of [`before:${event}`, `after:${event}`]) {
        const schema = await schemaOf(ref);
        expect(() => compileStrict(schema), ref).not.toThrow();
        expect(JSON.stringify(schema), ref).not.toContain('"additionalProperties":false');
      }
    }
  });

  it('validates the bodies a receiver gets for every standard event, and the same bodies with fields added', async () => {
    rx.requests.length = 0;
    servo = await modelServo(modelWebhooks(rx));
    await dispatchAll(servo);
    await servo.close();
    servo = undefined;
    const events = new Set<string>();
    for (const req of rx.requests) {
      const body = req.json() as Record<string, unknown>;
      if (body.event === 'ping') continue; // the webhooks connector's own check; ping has no schema
      const schema = await schemaOf(body.event as string);
      expect(jsonSchemaProblems(schema, body), body.event as string).toEqual([]);
      expect(jsonSchemaProblems(schema, { ...body, added_later: { any: 'thing' } })).toEqual([]);
      events.add(body.event as string);
    }
    expect(events.size).toBe(EVENTS.length * 2);
    // Fields always present (null when unset) are required by the schema too.
    const measure = await schemaOf('after:measure');
    expect((measure.$defs as Record<string, { required: string[] }>).TimeSeries?.required).toEqual(expect.arrayContaining(['id', 'annotation', 'metadata']));
  });
});
