/**
 * What the `webhooks` connector is, without its commands: type, metadata,
 * configuration and setup. connector.ts adds the commands; they find their
 * connector instances through this definition without importing connector.ts
 * back.
 * @module
 */
import { defineConnector } from 'servo-core';
import { configSchema, encodeConfig, type WebhooksConfig } from './config/index.js';
import { webhookWarnings } from './config/warnings.js';
import { WebhooksEmitter } from './emitter.js';
import { generateConfig } from './generate.js';
import { VERSION } from './version.js';

export const webhooksDefinition = defineConnector<WebhooksConfig>({
  type: 'webhooks',
  metadata: {
    version: VERSION,
    description: 'Sends signed HTTP webhooks before and after servo events; before-webhooks can cancel the event',
    homepage: 'https://github.com/opsani/servo-webhooks',
    license: 'Apache-2.0',
    maturity: 'stable',
  },
  config: configSchema,
  encodeConfig,
  secretFields: ['secret'],
  generate: generateConfig,
  setup(ctx) {
    const emitter = new WebhooksEmitter(ctx);
    emitter.attach();
    for (const w of ctx.config.webhooks) {
      ctx.check({
        name: `webhook ${w.name} answers at its URL`,
        description: `POST a signed ping to ${w.name}`,
        severity: w.events.some((e) => e.preposition === 'before') && w.failurePolicy === 'fail' ? 'critical' : 'common',
        tags: ['webhooks'],
        run: () => emitter.ping(w),
      });
      const warnings = webhookWarnings(w);
      if (warnings.length > 0) {
        // Severity warning: servo check shows it without failing.
        ctx.check({
          name: `webhook ${w.name} settings`,
          description: `settings of ${w.name} that work but deserve a look`,
          severity: 'warning',
          tags: ['webhooks'],
          run: () => {
            const err = new Error(warnings.join('; ')) as Error & { hint: string };
            err.hint = `review webhook "${w.name}" in servo.yaml`;
            throw err;
          },
        });
      }
    }
    return {
      // A running servo resumes the deliveries a sqlite store kept, before its first event.
      start: () => emitter.start(),
      close: async () => {
        await emitter.close();
      },
      // servo run's HTTP endpoint: metrics and readiness of this instance.
      observe: (o) => emitter.observe(o),
    };
  },
});
