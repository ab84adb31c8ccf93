import type { CliContext, ConnectorInstance, EventDefinition, ServoHandle } from 'servo-core';
import { didYouMean, UsageError } from 'servo-core/cli';
import type { WebhookConfig, WebhooksConfig } from '../config/index.js';
import { webhooksDefinition } from '../definition.js';
export { displayUrl } from '../url.js';

/** Output format chosen with the global `--output` option. */
export function outputOf(ctx: CliContext): 'table' | 'json' {
  return ctx.output;
}

/** Writes to the command's stdout. */
export function write(ctx: CliContext, text: string): void {
  ctx.stdout.write(text);
}

/** Every webhooks connector instance of the assembly, with its config. */
export function webhookInstances(servo: ServoHandle): readonly ConnectorInstance<WebhooksConfig>[] {
  return servo.instancesOf(webhooksDefinition);
}

/** Splits `after:measure` and finds the event, or explains what is valid. */
export function parseEventRef(ref: string, events: ReadonlyMap<string, EventDefinition>): { preposition: 'before' | 'after'; event: EventDefinition } {
  const m = /^(before|after):(.+)$/.exec(ref);
  const choices = [...events.keys()].flatMap((e) => [`before:${e}`, `after:${e}`]);
  if (!m) throw new UsageError(`"${ref}" is not an event reference: expected before:EVENT or after:EVENT, one of: ${choices.join(', ')}`);
  const event = events.get(m[2]!);
  if (!event) {
    const hint = didYouMean(ref, choices, '');
    throw new UsageError(`unknown event "${m[2]}"${hint && ` (${hint})`}: expected one of: ${choices.join(', ')}`);
  }
  return { preposition: m[1] as 'before' | 'after', event };
}

/** Events and channels of a webhook, as printed. */
export function subscriptionsOf(w: WebhookConfig): string[] {
  return [...w.events.map((e) => `${e.preposition}:${e.event}`), ...w.channels.map((c) => `channel:${c}`)];
}
