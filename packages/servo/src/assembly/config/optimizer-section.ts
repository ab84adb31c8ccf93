/**
 * The `optimizer:` section of servo.yaml: where the optimizer is and how to
 * talk to it. It is a reserved top-level key (no connector instance may take
 * the name). `servo run` flags and `OPSANI_*` variables take precedence over
 * it (optimizer/config.ts resolves the three).
 * @module
 */
import { z } from 'zod';
import { DurationMs } from '../../model/duration.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. "https://api.opsani.com"' });

/** The `optimizer:` section, validated (durations in milliseconds). */
export const OptimizerSection = z
  .strictObject({
    id: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+$/, 'expected the optimizer id as ORG/APP, e.g. "example.com/app"')
      .optional()
      .describe('The optimizer, as ORG/APP'),
    base_url: httpUrl.optional().describe('API base URL (default https://api.opsani.com)'),
    url: httpUrl.optional().describe('Full optimizer URL; overrides base_url and id'),
    token: z.string().min(1, 'expected a non-empty token').optional().describe('API token (secret; ${VAR} works)'),
    token_file: z.string().min(1).optional().describe('File holding the API token'),
    timeout: DurationMs.prefault('30s').describe('Bound on every request to the optimizer'),
    progress_interval: DurationMs.prefault('30s').describe('How often to report progress while a command runs'),
    servo_uid: z.string().min(1).optional().describe('Identifier of this servo, sent with every request'),
  })
  .meta({ id: 'OptimizerSection', description: 'The optimizer this servo talks to (servo run)' });
/** The `optimizer:` section, validated. */
export type OptimizerSection = z.output<typeof OptimizerSection>;

/** Fields of the section whose values are never printed. */
export const OPTIMIZER_SECRET_FIELDS: readonly string[] = ['token'];
