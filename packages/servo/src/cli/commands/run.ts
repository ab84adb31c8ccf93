import { readFileSync } from 'node:fs';
import type { Servo } from '../../assembly/servo.js';
import { ExitError } from '../../errors.js';
import { describeLogLine } from '../../log-pretty.js';
import type { Observed } from '../../observe/index.js';
import type { OptimizerFlags, OptimizerSettings } from '../../optimizer/config.js';
import type { CommandContext } from '../context.js';
import { ExitCodes } from '../exit-codes.js';

const RUNNING = 'servo running';
const OPTIMIZER = 'optimization loop';
/** Also what the README and `servo run --help` say: with no optimizer, nothing asks for measure or adjust. */
const NO_OPTIMIZER =
  'no optimizer is configured (--optimizer, OPSANI_OPTIMIZER or the optimizer: section of servo.yaml): no optimization loop runs, ' +
  'and nothing triggers measure or adjust (run `servo measure` or `servo adjust` for that, e.g. from cron); ' +
  'the startup and shutdown events, channels and the resumption of webhook backlogs still happen until SIGINT or SIGTERM';

// The start-up lines as a person reads them (--log-format pretty).
describeLogLine(RUNNING, (f) => {
  const names = f.connectors as string[];
  const types = f.types as string[];
  const list = names.map((n, i) => (types[i] === n ? n : `${n} (${types[i]})`)).join(', ');
  return `servo ${f.servo} running with ${names.length ? `connectors ${list}` : 'no connectors'}`;
});
describeLogLine(OPTIMIZER, (f) => `driving the optimization loop of ${f.id ?? 'the optimizer'} at ${f.optimizer}`);
describeLogLine(NO_OPTIMIZER, () => NO_OPTIMIZER);

/**
 * `servo run`: starts the assembly, then drives the optimization loop when an
 * optimizer is configured (flags, OPSANI_* or servo.yaml's `optimizer:`);
 * runs until SIGINT or SIGTERM, then stops the loop (GOODBYE), shuts down
 * and drains. A second signal ends the process at once (the listeners are
 * gone by then, so the signal's default action applies).
 */
export default async function run(ctx: CommandContext, flags: OptimizerFlags & { http?: string } = {}): Promise<void> {
  // Listen before starting: a signal during start-up (e.g. while a connector's
  // start hook resumes a backlog) must still shut down cleanly instead of
  // killing the process. Signal listeners do not keep Node's event loop alive,
  // so a timer does.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  let stop: (s: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stop = (s) => resolve(s);
  });
  const release = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    clearInterval(keepAlive);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let observed: Observed | undefined;
  try {
    const servo = await ctx.loadServo();
    const { resolveOptimizer } = await import('../../optimizer/config.js');
    const settings = resolveOptimizer(flags, ctx.env, servo.optimizer, { cwd: ctx.cwd, configFile: servo.configFile });
    // The HTTP endpoint (--http, server:) is loaded only when asked for, and answers /healthz while the servo starts.
    const httpFlag = flags.http;
    let started = false;
    if (httpFlag !== undefined || servo.server) {
      const { observe, resolveEndpoint } = await import('../../observe/index.js');
      const where = resolveEndpoint(httpFlag, servo);
      if (where) observed = await observe(servo, where, { started: () => started, optimizer: settings !== undefined, logger: ctx.logger });
    }
    await servo.start();
    started = true;
    ctx.logger.info({ servo: servo.name, connectors: servo.connectors.map((c) => c.name), types: servo.connectors.map((c) => c.type) }, RUNNING);
    if (!settings) {
      ctx.logger.info({ optimizer: null }, NO_OPTIMIZER);
      const signal = await stopped;
      release();
      ctx.logger.info({ signal }, 'servo stopping');
    } else {
      ctx.logger.info({ optimizer: settings.endpoint, ...(settings.id ? { id: settings.id } : {}) }, OPTIMIZER);
      await loop(ctx, servo, settings, stopped, release, observed);
    }
    await servo.close();
    ctx.logger.info({ servo: servo.name }, 'servo stopped');
  } finally {
    // Also when loading or starting failed: the listeners go with the command.
    release();
    await observed?.endpoint.close();
  }
}

async function loop(
  ctx: CommandContext,
  servo: Servo,
  settings: OptimizerSettings,
  stopped: Promise<NodeJS.Signals>,
  release: () => void,
  observed: Observed | undefined,
) {
  const [{ OptimizerClient }, { OptimizerRunner }] = await Promise.all([import('../../optimizer/client.js'), import('../../optimizer/runner.js')]);
  const version = servoVersion();
  const client = new OptimizerClient(settings, { userAgent: `servo-core v${version}` });
  const runner = new OptimizerRunner({
    servo,
    client,
    logger: ctx.logger,
    observer: observed?.metrics.runner,
    hello: {
      agent: `servo-core v${version}`,
      telemetry: { 'servo-core.version': version, 'servo-core.platform': `${process.platform} ${process.arch}`, 'servo-core.node': process.version },
    },
  });
  const outcome = await Promise.race([
    stopped.then((signal) => ({ signal }) as const),
    runner.run().then(
      () => ({ done: true }) as const,
      (err: unknown) => ({ err }) as const,
    ),
  ]);
  release();
  if ('signal' in outcome) {
    ctx.logger.info({ signal: outcome.signal }, 'servo stopping');
    await runner.stop(outcome.signal);
    const failed = await runner.run().then(
      () => undefined,
      (err: unknown) => err,
    );
    if (failed) ctx.logger.error({ err: (failed as Error).message }, 'the optimization loop failed');
    return;
  }
  await runner.stop('shutdown');
  if ('err' in outcome) {
    const message = outcome.err instanceof Error ? outcome.err.message : String(outcome.err);
    ctx.logger.error({ optimizer: settings.endpoint, err: message }, 'the optimization loop stopped');
    await servo.close();
    throw new ExitError(ExitCodes.failed, `servo: ${message}`);
  }
}

function servoVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
