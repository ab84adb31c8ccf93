import type { CommandContext } from '../context.js';

/** `servo run`: starts the assembly and runs until SIGINT or SIGTERM, then shuts down cleanly. */
export default async function run(ctx: CommandContext): Promise<void> {
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
  try {
    const servo = await ctx.loadServo();
    await servo.start();
    ctx.logger.info({ servo: servo.name, connectors: servo.connectors.map((c) => c.name) }, 'servo running');
    const signal = await stopped;
    release();
    ctx.logger.info({ signal }, 'servo stopping');
    await servo.close();
    ctx.logger.info({ servo: servo.name }, 'servo stopped');
  } finally {
    // Also when loading or starting failed: the listeners go with the command.
    release();
  }
}
