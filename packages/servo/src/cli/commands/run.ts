import type { CommandContext } from '../context.js';

/** `servo run`: starts the assembly and runs until SIGINT or SIGTERM, then shuts down cleanly. */
export default async function run(ctx: CommandContext): Promise<void> {
  // Listen before starting: a signal during start-up (e.g. while a backlog is
  // resumed) must still shut down cleanly instead of killing the process.
  // Signal listeners do not keep Node's event loop alive, so a timer does.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearInterval(keepAlive);
      resolve(s);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  try {
    const servo = await ctx.loadServo();
    await servo.start();
    ctx.logger.info({ servo: servo.name, connectors: servo.connectors.map((c) => c.name) }, 'servo running');
    const signal = await stopped;
    ctx.logger.info({ signal }, 'servo stopping');
    await servo.close();
    ctx.logger.info({ servo: servo.name }, 'servo stopped');
  } finally {
    clearInterval(keepAlive);
  }
}
