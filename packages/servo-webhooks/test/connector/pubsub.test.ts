/**
 * Pub/sub webhooks: messages of the selected channels are POSTed (signed, with
 * their own content type), and non-empty 2xx answers are published back on
 * `response_channel`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Message, type Servo } from 'servo-core';
import { recordingLogger, sleep, startReceiver, type Receiver, type Responder } from '../../../../test-support/index.js';
import { webhooksServo } from '../helpers/servo.js';
import { hmacSha1Hex, standardSignatureMatches, verifyStandard } from '../helpers/verify.js';

const SECRET = 'pubsub-secret';
let receiver: Receiver | undefined;
let servo: Servo | undefined;

async function rx(respond: Responder): Promise<Receiver> {
  receiver = await startReceiver(respond);
  return receiver;
}

afterEach(async () => {
  await servo?.close();
  servo = undefined;
  await receiver?.close();
  receiver = undefined;
});

/** Resolves with the first `count` messages published on `channel`. */
function collect(s: Servo, channel: string, count: number, timeoutMs = 10_000): Promise<{ message: Message; channel: string }[]> {
  const got: { message: Message; channel: string }[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got.length} of ${count} messages on ${channel}`)), timeoutMs);
    const sub = s.exchange.subscribe(channel, (message, ch) => {
      got.push({ message, channel: ch });
      if (got.length === count) {
        clearTimeout(timer);
        sub.cancel();
        resolve(got);
      }
    });
  });
}

describe('channels', () => {
  it('POSTs each message of a matching channel with its own content type, signed', async () => {
    const r = await rx(() => ({ status: 204 }));
    ({ servo } = await webhooksServo([{ name: 'metrics_sink', channels: ['metrics.*'], url: r.url('/metrics'), secret: SECRET }]));
    await servo.start();
    await servo.exchange.publish('metrics.cpu', Message.json({ cpu: 0.5 }));
    await servo.exchange.publish('logs.app', Message.text('not for this webhook'));
    const bytes = Uint8Array.from([0, 1, 2, 254, 255]);
    await servo.exchange.publish('metrics.raw', new Message({ content: bytes, contentType: 'application/octet-stream' }));
    const reqs = await r.waitFor(2);
    await servo.close();
    servo = undefined;
    expect(r.requests).toHaveLength(2);

    const byEvent = Object.fromEntries(reqs.map((q) => [q.header('x-servo-event'), q]));
    expect(Object.keys(byEvent).sort()).toEqual(['channel:metrics.cpu', 'channel:metrics.raw']);
    const cpu = byEvent['channel:metrics.cpu']!;
    expect(cpu.method).toBe('POST');
    expect(cpu.path).toBe('/metrics');
    expect(cpu.header('content-type')).toBe('application/json');
    expect(cpu.json()).toEqual({ cpu: 0.5 });
    const raw = byEvent['channel:metrics.raw']!;
    expect(raw.header('content-type')).toBe('application/octet-stream');
    expect([...raw.body]).toEqual([...bytes]);
    expect(verifyStandard(SECRET, cpu)).toEqual({ cpu: 0.5 });
    for (const q of reqs) {
      expect(q.header('x-servo-signature')).toBe(hmacSha1Hex(SECRET, q.body));
      expect(standardSignatureMatches(SECRET, q)).toBe(true);
      expect(standardSignatureMatches('another-secret', q)).toBe(false);
      expect(q.header('x-servo-delivery')).toBe(q.header('webhook-id'));
    }
  });

  it('publishes a non-empty 2xx answer on response_channel (and nothing for an empty or failed one)', async () => {
    const r = await rx((req) => {
      const n = req.json<{ n: number }>().n;
      if (n === 1) return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ack: 1 }) };
      if (n === 2) return { status: 204 };
      if (n === 3) return { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"bad"}' };
      return { status: 202, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ack 4' };
    });
    const logger = recordingLogger('info');
    ({ servo } = await webhooksServo([{ name: 'responder', channels: 'requests', response_channel: 'replies', url: r.url(), secret: SECRET, backoff: false }], {
      logger,
    }));
    await servo.start();
    const all: Message[] = [];
    servo.exchange.subscribe('replies', (m) => void all.push(m));
    const replies = collect(servo, 'replies', 2);
    for (const n of [1, 2, 3, 4]) await servo.exchange.publish('requests', Message.json({ n }));
    const got = await replies;
    await r.waitFor(4);
    // Wait until all four deliveries are settled (3 delivered, the 400 given up), while the exchange still runs.
    const outcomes = () => logger.lines.filter((l) => l.msg === 'webhook attempt').map((l) => String(l.obj.outcome));
    for (let i = 0; i < 200 && outcomes().length < 4; i++) await sleep(50);
    expect(outcomes().sort()).toEqual(['delivered', 'delivered', 'delivered', 'failed']);
    await sleep(100);
    expect(all).toHaveLength(2);
    expect(got.map((g) => g.channel)).toEqual(['replies', 'replies']);
    const byText = Object.fromEntries(got.map((g) => [g.message.text(), g.message]));
    expect(Object.keys(byText).sort()).toEqual(['ack 4', '{"ack":1}']);
    expect(byText['{"ack":1}']!.contentType).toBe('application/json');
    expect(byText['{"ack":1}']!.json()).toEqual({ ack: 1 });
    expect(byText['ack 4']!.contentType).toBe('text/plain; charset=utf-8');
    expect(byText['ack 4']!.metadata).toMatchObject({ webhook: 'responder', status: '202', event: 'channel:requests' });
  });

  it('stops posting channel messages once the servo is closed', async () => {
    const r = await rx(() => ({ status: 204 }));
    const created = await webhooksServo([{ name: 'sink', channels: 'metrics.*', url: r.url(), secret: SECRET }]);
    await created.servo.start();
    await created.servo.exchange.publish('metrics.cpu', Message.json({ cpu: 1 }));
    await r.waitFor(1);
    await created.servo.close();
    await expect(created.servo.exchange.publish('metrics.cpu', Message.json({ cpu: 2 }))).rejects.toThrow();
    expect(r.requests).toHaveLength(1);
  });
});
