import { stringify } from 'yaml';
import type { CommandContext } from '../context.js';
import { json } from '../output.js';
import { redact } from '../../assembly/redact.js';

/** `servo config`: the effective configuration (env overrides and ${VAR} applied), secrets redacted. */
export default async function config(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo({ usesSecrets: false });
  const out: Record<string, unknown> = { name: servo.name };
  const connectors: Record<string, string> = {};
  for (const c of servo.connectors) {
    connectors[c.name] = c.type;
    out[c.name] = redact(c.definition.encodeConfig ? c.definition.encodeConfig(c.config) : c.config, c.definition.secretFields ?? []);
  }
  out.connectors = connectors;
  ctx.write(ctx.output === 'json' ? json(out) : stringify(out));
}
