import type { CommandContext } from '../context.js';

/** `servo validate`: loads servo.yaml fully (connectors set up), reports located errors. */
export default async function validate(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo();
  const names = servo.connectors.map((c) => (c.name === c.type ? c.name : `${c.name} (${c.type})`));
  ctx.write(`${ctx.configFile}: valid, ${names.length} connector${names.length === 1 ? '' : 's'}: ${names.join(', ') || 'none'}\n`);
}
