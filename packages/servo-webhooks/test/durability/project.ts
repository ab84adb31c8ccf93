/**
 * A throwaway servo project on disk that can put load on `servo run`: besides
 * servo.yaml it installs a tiny `loadgen` connector package (discovered
 * through the project's package.json, like any third-party connector) whose
 * `startup` handler publishes numbered JSON messages on pub/sub channels.
 *
 * It publishes only when `LOADGEN_PUBLISH=1` is in the environment, so a
 * second `servo run` of the same project resumes instead of adding load.
 * When done it writes `loadgen.done` beside servo.yaml.
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Environment that makes the loadgen connector publish on startup. */
export const PUBLISH_ENV = { LOADGEN_PUBLISH: '1' } as const;

// Sequential publishes: message i is stored before message i+1, so store order is publish order.
const LOADGEN_JS = `import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineConnector, Message, z } from 'servo-core';

export default defineConnector({
  type: 'loadgen',
  metadata: { version: '0.0.0', description: 'publishes numbered messages on startup (tests)', maturity: 'experimental' },
  config: z.strictObject({
    publish: z.array(z.strictObject({ channel: z.string(), count: z.int().min(0) })),
  }),
  setup(ctx) {
    ctx.on('startup', async () => {
      if (process.env.LOADGEN_PUBLISH !== '1') return;
      let total = 0;
      for (const { channel, count } of ctx.config.publish) {
        for (let i = 0; i < count; i++) {
          await ctx.servo.exchange.publish(channel + '.' + i, Message.json({ channel, i }));
          total++;
        }
      }
      writeFileSync(join(dirname(ctx.servo.configFile), 'loadgen.done'), String(total));
    });
  },
});
`;

/** A temporary project folder. */
export interface LoadProject {
  readonly dir: string;
  /** Absolute path of servo.yaml. */
  readonly configFile: string;
  /** Absolute path of a file in the folder. */
  path(name: string): string;
  /** True once the loadgen connector has published everything. */
  published(): boolean;
  /** Removes the folder. */
  remove(): void;
}

/** Creates a project folder holding `yaml` as servo.yaml and the loadgen connector package. */
export function makeLoadProject(yaml: string): LoadProject {
  const dir = mkdtempSync(join(tmpdir(), 'servo-webhooks-load-'));
  const nm = join(dir, 'node_modules');
  const pkg = join(nm, 'servo-loadgen');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'load-project', private: true, type: 'module', dependencies: { 'servo-loadgen': '0.0.0' } }));
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'servo-loadgen', version: '0.0.0', type: 'module', servo: { connectors: { loadgen: './index.js' } } }),
  );
  writeFileSync(join(pkg, 'index.js'), LOADGEN_JS);
  // The connector imports the same servo-core instance (and its zod) the CLI runs with.
  symlinkSync(join(REPO, 'packages/servo'), join(nm, 'servo-core'), 'dir');
  const configFile = join(dir, 'servo.yaml');
  writeFileSync(configFile, yaml);
  return {
    dir,
    configFile,
    path: (name) => join(dir, name),
    published: () => existsSync(join(dir, 'loadgen.done')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
