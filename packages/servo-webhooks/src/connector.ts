/**
 * The `webhooks` connector definition: what servo-core discovers through this
 * package's `"servo": { "connectors": { "webhooks": ... } }` entry. Its
 * commands (`servo webhooks ...`) load only when one runs.
 * @module
 */
import { defineConnector } from 'servo-core';
import type { WebhooksConfig } from './config/index.js';
import { webhooksDefinition } from './definition.js';

export default defineConnector<WebhooksConfig>({
  ...webhooksDefinition,
  cli: async () => (await import('./cli/index.js')).register,
});
