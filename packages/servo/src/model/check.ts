import { z } from 'zod';
import { Timestamp } from './timestamp.js';

/** How bad a failed check is: a critical failure stops the servo from running. */
export const Severity = z.enum(['critical', 'common', 'warning']).meta({ id: 'Severity', description: 'How bad a failure is: critical, common or warning' });
/** How bad a failed check is. */
export type Severity = z.output<typeof Severity>;

const optionalText = z.string().nullish();

/**
 * The outcome of one readiness check. Only JSON values: servox's `exception`
 * and `remedy` fields are not part of the model, and unknown keys are dropped
 * when parsing, so a Check always serialises.
 */
export const Check = z
  .object({
    name: z.string().min(1).describe('What is checked, e.g. "webhook alerts answers at its URL"'),
    id: z.string().min(1).describe('Stable identifier, e.g. "webhook_alerts"'),
    description: optionalText.describe('Longer explanation of the check'),
    severity: Severity.default('common'),
    tags: z.array(z.string()).nullish().describe('Labels for selecting checks'),
    success: z.boolean().describe('Whether the check passed'),
    message: optionalText.describe('What happened'),
    hint: optionalText.describe('How to fix a failure'),
    created_at: Timestamp.describe('When the check was created (ISO 8601)'),
    run_at: Timestamp.nullish().describe('When the check ran (ISO 8601)'),
  })
  .meta({ id: 'Check', description: 'Outcome of one readiness check' });
/** The outcome of one readiness check. */
export type Check = z.output<typeof Check>;

const names = z.union([z.string(), z.array(z.string())]);

/** Selects checks: each given field must match; absent fields match everything. */
export const CheckFilter = z
  .object({
    name: names.optional().describe('Check name(s) to run'),
    id: names.optional().describe('Check id(s) to run'),
    tags: z.array(z.string()).optional().describe('Run checks carrying any of these tags'),
  })
  .meta({ id: 'CheckFilter', description: 'Selects checks by name, id or tags' });
/** Selects checks. */
export type CheckFilter = z.output<typeof CheckFilter>;

/**
 * True when `check` passes `filter`: its name is among `filter.name`, its id
 * among `filter.id` and it has at least one of `filter.tags` (each only when given).
 */
export function matchesCheckFilter(
  filter: CheckFilter | undefined,
  check: { name: string; id?: string | null | undefined; tags?: readonly string[] | null | undefined },
): boolean {
  if (!filter) return true;
  const among = (v: string | null | undefined, want: string | string[]) => v != null && (typeof want === 'string' ? v === want : want.includes(v));
  if (filter.name !== undefined && !among(check.name, filter.name)) return false;
  if (filter.id !== undefined && !among(check.id, filter.id)) return false;
  if (filter.tags !== undefined && !filter.tags.some((t) => check.tags?.includes(t))) return false;
  return true;
}

/** An id derived from a check name: lower case, runs of other characters as `_`. */
export function checkIdFromName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'check'
  );
}

/** True when a failure of `severity` should stop checking at `haltOn` (critical > common > warning). */
export function haltsAt(severity: Severity, haltOn: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[haltOn];
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { warning: 0, common: 1, critical: 2 };
