/**
 * The README's Python verification examples, run by a real python3 against
 * requests a receiver on 127.0.0.1 got from `servo webhooks trigger`: both
 * functions accept the real signatures (a raw secret and a `whsec_` one) and
 * reject a tampered body. In CI (.ci/run installs python3) a missing python3 fails.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startReceiver, type Receiver, skipWithout } from '../../../../test-support/index.js';
import { makeAssembly, type Assembly } from '../helpers/assembly.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

/** The README's Python blocks that define verification functions. */
function readmeFunctions(): string {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const defs = blocks.filter((b) => b.includes('def verify_'));
  expect(defs.length).toBeGreaterThan(0);
  return defs.join('\n');
}

const HARNESS = `
import base64, json, sys
cases = json.load(sys.stdin)
out = []
for c in cases:
    body = base64.b64decode(c["body"])
    h = c["headers"]
    out.append([
        verify_servo_signature(c["secret"], body, h["x-servo-signature"]),
        verify_standard_webhook(c["secret"], h, body),
        verify_servo_signature(c["secret"], body + b" ", h["x-servo-signature"]),
        verify_standard_webhook(c["secret"], h, body + b" "),
    ])
print(json.dumps(out))
`;

let asm: Assembly;
let rx: Receiver;
beforeEach(async () => {
  asm = makeAssembly();
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(async () => {
  await rx.close();
  asm.remove();
});

describe('README Python examples', () => {
  it.skipIf(skipWithout('python3', ['-c', 'pass']))(
    'verify real requests with both schemes, for a raw and a whsec_ secret, and reject a tampered body',
    async () => {
      const secrets = ['s3cr3t! ünïcode', `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`];
      const cases = [];
      for (const [i, secret] of secrets.entries()) {
        asm.writeConfig(
          `webhooks:\n  - name: py\n    events: after:measure\n    url: ${rx.url(`/${i}`)}\n    secret: "${secret}"\n    wire: ${i === 0 ? 'legacy' : 'standard'}\n`,
        );
        const run = await runCli(['webhooks', 'trigger', 'after:measure'], { config: asm.configFile, cwd: asm.dir });
        expect(run.code).toBe(0);
        const req = rx.requests[i]!;
        const headers = Object.fromEntries(['x-servo-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, req.header(h)]));
        cases.push({ secret, headers, body: req.body.toString('base64') });
      }
      const script = `${readmeFunctions()}\n${HARNESS}`;
      const out = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(cases) }).toString()) as boolean[][];
      expect(out).toEqual([
        [true, true, false, false],
        [true, true, false, false],
      ]);
    },
  );
});
