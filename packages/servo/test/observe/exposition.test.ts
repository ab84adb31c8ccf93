import { describe, expect, it } from 'vitest';
import { ServoMetrics } from '../../src/observe/metrics.js';

/** A registry without the process metrics (their values change between two reads). */
function metrics(): ServoMetrics {
  const m = new ServoMetrics();
  for (const metric of m.registry.getMetricsAsArray()) {
    const name = (metric as unknown as { name: string }).name;
    if (name.startsWith('process_') || name.startsWith('nodejs_')) m.registry.removeSingleMetric(name);
  }
  return m;
}

describe('ServoMetrics.text', () => {
  it('writes what prom-client writes for the same series, label values escaped, on every scrape', async () => {
    const m = metrics();
    const odd = 'a "quoted" \\ back\nslash';
    const attempts = m.counter({ name: 'x_attempts_total', help: 'Attempts\nby "webhook" \\ result', labelNames: ['webhook', 'result'] });
    const ok = attempts.child({ webhook: 'w1', result: '2xx' });
    attempts.child({ webhook: odd, result: '5xx' });
    const latency = m.histogram({ name: 'x_seconds', help: 'Latency', labelNames: ['webhook'], buckets: [0.01, 0.5] });
    const w1 = latency.child({ webhook: 'w1' });
    m.counter({ name: 'x_plain_total', help: 'No labels', labelNames: [] }).inc({}, 2.5);
    m.histogram({ name: 'x_unlabelled_seconds', help: 'No labels', buckets: [1] }).observe({}, 3);
    const kept = { webhook: odd, scope: 'process' };
    let pending = 4;
    m.gauge({
      name: 'x_pending',
      help: 'Pending',
      labelNames: ['webhook', 'scope'],
      collect: (set) => {
        set(kept, pending);
        set({ webhook: 'w1', scope: 'process' }, Number.POSITIVE_INFINITY);
      },
    });
    m.counter({ name: 'x_delivered_total', help: 'Delivered', labelNames: ['webhook'], collect: (set) => set({ webhook: 'w"2' }, 7) });
    m.onDispatch('measure', 'ok', 0.2);

    const first = await m.text();
    expect(first).toBe(await m.registry.metrics());
    expect(first).toContain('x_attempts_total{webhook="a \\"quoted\\" \\\\ back\\nslash",result="5xx"} 0');
    expect(first).toContain('x_seconds_bucket{webhook="w1",le="+Inf"} 0');

    ok.inc();
    ok.inc(2);
    w1.observe(0.2);
    w1.observe(0.005);
    latency.observe({ webhook: odd }, 9);
    pending = 0;
    const second = await m.text();
    expect(second).toBe(await m.registry.metrics());
    expect(second).toContain('x_attempts_total{webhook="w1",result="2xx"} 3');
    expect(second).toContain('x_seconds_bucket{webhook="w1",le="0.5"} 2');
    expect(second).toContain('x_seconds_sum{webhook="w1"} 0.205');
    expect(second).toContain('x_pending{webhook="a \\"quoted\\" \\\\ back\\nslash",scope="process"} 0');
  });

  it('refuses what prom-client refuses: a label not declared, a negative count', () => {
    const m = metrics();
    const c = m.counter({ name: 'x_total', help: 'X', labelNames: ['webhook'] });
    expect(() => c.inc({ hook: 'w' })).toThrow(/hook/);
    expect(() => c.child({ webhook: 'w' }).inc(-1)).toThrow(/decrease/);
    expect(() => m.histogram({ name: 'x_seconds', help: 'X', labelNames: ['webhook'] }).child({ url: 'u' })).toThrow(/url/);
  });
});
