/**
 * Bodies in the form servox sent the servo model, as a receiver on 127.0.0.1
 * gets them: times RFC 3339 with microseconds and a numeric offset, unset
 * optional fields as null, a time series' data points sorted by time, and
 * `"results": []` on ping.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Servo } from 'servo-core';
import { runCli, startReceiver, type Receiver } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';
import { dispatchAll, modelServo, modelWebhooks } from '../helpers/model-servo.js';

const RFC3339_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/;

let rx: Receiver;
let servo: Servo | undefined;
beforeEach(async () => {
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await rx.close();
});

async function bodies(): Promise<Map<string, any>> {
  servo = await modelServo(modelWebhooks(rx));
  await dispatchAll(servo);
  await servo.close();
  servo = undefined;
  const out = new Map<string, any>();
  for (const r of rx.requests) out.set(r.json().event, r.json());
  return out;
}

describe('bodies in the servox form', () => {
  it('times are RFC 3339 with microseconds and a numeric offset, normalised from what the connector returned', async () => {
    const all = await bodies();
    for (const body of all.values()) expect(body.created_at).toMatch(RFC3339_MICROS);
    const [series, named] = all.get('after:measure').results[0].value.readings;
    // Sorted by instant: 00:52:09Z (+02:00), 00:52:10.62Z, 00:52:11.123456 (no offset: UTC), 01:22:10.5 (-00:30).
    expect(series.data_points.map((p: { time: string }) => p.time)).toEqual([
      '2026-12-01T02:52:09.000000+02:00',
      '2026-12-01T00:52:10.620000+00:00',
      '2026-12-01T00:52:11.123456+00:00',
      '2026-12-01T00:52:10.500000-00:30',
    ]);
    expect(series.data_points.map((p: { value: number }) => p.value)).toEqual([1e16, 87, 1e-5, 0]);
    expect(named.data_points[0].time).toBe('2026-12-01T02:52:09.000000+02:00');
    expect(all.get('after:check').results[0].value[0].created_at).toBe('2026-12-01T00:52:10.000000+00:00');
  });

  it('unset optional fields of the model are present as null', async () => {
    const all = await bodies();
    const [series, named] = all.get('after:measure').results[0].value.readings;
    expect(series).toMatchObject({ id: null, annotation: null, metadata: null });
    expect(named).toMatchObject({ id: 'pod-1', metadata: { zone: 'eu' } });
    for (const event of ['after:describe', 'after:adjust']) {
      const settings = all.get(event).results[0].value.components[0].settings;
      expect(settings.find((s: { name: string }) => s.name === 'replicas')).toMatchObject({ unit: null, value: null });
      expect(settings.find((s: { name: string }) => s.name === 'inst_type')).toMatchObject({ unit: null, value: null });
      expect(settings.find((s: { name: string }) => s.name === 'cpu')).toMatchObject({ unit: 'cores', value: 1 });
    }
    expect(all.get('after:components').results[0].value[0].settings[2]).toMatchObject({ unit: null, value: null });
    expect(all.get('before:measure').params.control).toMatchObject({ duration: '5m', settlement: null, load: null, userdata: null, environment: null });
    expect(all.get('after:check').results[0].value[0]).toMatchObject({ description: null, tags: null, message: null, hint: null, run_at: null });
  });
});

describe('ping', () => {
  let asm: Assembly;
  beforeEach(() => {
    asm = makeAssembly();
    asm.writeConfig(`webhooks:\n  - name: pinged\n    events: after:measure\n    url: ${rx.url('/ping')}\n    secret: ping-secret\n`);
  });
  afterEach(() => asm.remove());

  it('servo webhooks trigger ping and servo check send "results": []', async () => {
    const cli = (...args: string[]) => runCli(args, { config: asm.configFile, cwd: asm.dir, env: { SERVO_LOG_LEVEL: 'warn' } });
    expect((await cli('webhooks', 'trigger', 'ping')).code).toBe(0);
    expect((await cli('check')).code).toBe(0);
    expect(rx.requests).toHaveLength(2);
    for (const r of rx.requests) {
      expect(r.json()).toMatchObject({ event: 'ping', params: {}, results: [] });
      expect(r.json().created_at).toMatch(RFC3339_MICROS);
    }
  });
});
