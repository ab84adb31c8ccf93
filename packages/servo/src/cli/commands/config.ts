import { stringify } from 'yaml';
import { z } from 'zod';
import { OPTIMIZER_SECRET_FIELDS, OptimizerSection } from '../../assembly/config/optimizer-section.js';
import { SERVER_SECRET_FIELDS } from '../../assembly/config/server-section.js';
import { REDACTED, redact } from '../../assembly/redact.js';
import type { CommandContext } from '../context.js';
import { json } from '../output.js';

/**
 * `servo config`: the effective configuration (env overrides and ${VAR} applied), secrets redacted.
 * The `optimizer:` section is shown as written (durations as durations), its token redacted; its
 * `token_file` is a path, not a secret, and is shown. The `server:` section is shown with its token redacted.
 */
export default async function config(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo({ usesSecrets: false });
  const out: Record<string, unknown> = { name: servo.name };
  const connectors: Record<string, string> = {};
  for (const c of servo.connectors) {
    connectors[c.name] = c.type;
    out[c.name] = redact(c.definition.encodeConfig ? c.definition.encodeConfig(c.config) : c.config, c.definition.secretFields ?? []);
  }
  out.connectors = connectors;
  if (servo.optimizer) out.optimizer = optimizerShown(servo.optimizer);
  if (servo.server) out.server = redact(servo.server, SERVER_SECRET_FIELDS);
  ctx.write(ctx.output === 'json' ? json(out) : stringify(out));
}

/** The section encoded back to its written form, each secret field replaced by {@link REDACTED}. */
function optimizerShown(section: OptimizerSection): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...(z.encode(OptimizerSection, section) as Record<string, unknown>) };
  for (const field of OPTIMIZER_SECRET_FIELDS) if (shown[field] !== undefined) shown[field] = REDACTED;
  return shown;
}
