import { resolve } from 'node:path';
import { UsageError, ExitError } from '../../errors.js';
import { type FakeEvent, formatEvent, loadPlan, startFakeOptimizer, DEFAULT_FAKE_ID } from '../../optimizer/fake/index.js';
import type { CommandContext } from '../context.js';
import { ExitCodes } from '../exit-codes.js';

/** Options of `servo optimizer fake`. */
export interface FakeOptimizerFlags {
  plan: string;
  port?: string;
  host?: string;
  record?: string;
  token?: string;
  optimizer?: string;
  exitWhenDone?: boolean;
}

/**
 * `servo optimizer fake --plan FILE`: a fake optimizer on 127.0.0.1 following
 * the plan. Prints a line per exchange and a summary when the plan ends; then
 * answers SLEEP until the servo says GOODBYE. With `--exit-when-done` it exits
 * after GOODBYE (1 when a step did not go as planned); otherwise at SIGINT or
 * SIGTERM, with the same code. The token (`--token`, else `$OPSANI_TOKEN`) is
 * never printed.
 */
export default async function optimizerFake(ctx: CommandContext, flags: FakeOptimizerFlags): Promise<void> {
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port}: expected a port number from 0 to 65535`);
  const token = flags.token ?? (ctx.env.OPSANI_TOKEN || undefined);
  const plan = await loadPlan(resolve(ctx.cwd, flags.plan));
  const started = performance.now();
  const say = (line: string) => ctx.write(`[${((performance.now() - started) / 1000).toFixed(3).padStart(8)}s] ${line}\n`);

  // As `servo run` does: listen for signals before anything else; a timer keeps the process alive.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => (stop = () => r()));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let summaryShown = false;
  const showSummary = (text: string) => {
    if (summaryShown) return;
    summaryShown = true;
    ctx.write(`\n${text}\n`);
  };
  try {
    const fake = await startFakeOptimizer({
      plan,
      port,
      host: flags.host ?? '127.0.0.1',
      ...(token === undefined ? {} : { token }),
      id: flags.optimizer ?? DEFAULT_FAKE_ID,
      ...(flags.record === undefined ? {} : { record: resolve(ctx.cwd, flags.record) }),
      onEvent: (e: FakeEvent) => {
        const line = formatEvent(e);
        if (line) say(line);
        if (e.type === 'plan-end') showSummary(fake.summary());
      },
    });
    ctx.write(`fake optimizer listening on ${fake.url}, optimizer ${fake.id}, plan ${plan.file} (${plan.steps.length} steps)\n`);
    ctx.write(`  run a servo against it: servo run --base-url ${fake.url} --optimizer ${fake.id}${token === undefined ? '' : ' --token <the same token>'}\n`);
    ctx.write(
      token === undefined ? '  no token set (--token or $OPSANI_TOKEN): any bearer token is accepted\n' : '  requests must carry the bearer token given\n',
    );
    await Promise.race([stopped, flags.exitWhenDone ? fake.done : new Promise<never>(() => {})]);
    showSummary(fake.summary());
    await fake.close();
    if (!fake.result().ok) throw new ExitError(ExitCodes.failed, 'servo: the fake optimizer plan did not go as planned (see the summary)');
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    clearInterval(keepAlive);
  }
}
