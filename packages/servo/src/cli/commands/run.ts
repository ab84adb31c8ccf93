import type { CommandContext } from '../context.js';

/** `servo run`: starts the assembly and runs until SIGINT or SIGTERM, then shuts down cleanly. */
export default async function run(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo();
  await servo.start();
  ctx.logger.info({ servo: servo.name, connectors: servo.connectors.map((c) => c.name) }, 'servo running');
  // Signal listeners do not keep Node's event loop alive: without this timer a
  // servo whose connectors hold no handles would end at once (exit code 13).
  const keepAlive = setInterval(() => {}, 2 ** 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearInterval(keepAlive);
      resolve(s);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  ctx.logger.info({ signal }, 'servo stopping');
  await servo.close();
  ctx.logger.info({ servo: servo.name }, 'servo stopped');
}
