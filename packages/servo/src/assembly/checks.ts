import type { CheckSpec } from '../connector/connector.js';
import { checkIdFromName, haltsAt, matchesCheckFilter, type Check, type CheckFilter, type Severity } from '../model/check.js';

interface CheckParams {
  matching?: CheckFilter | null;
  halt_on?: Severity;
}

/**
 * Runs `specs` one after another (checks often probe the same resources),
 * filtered by `matching`; stops after a failure at or above `halt_on`.
 */
export async function runChecks(specs: readonly CheckSpec[], params: CheckParams, signal: AbortSignal): Promise<Check[]> {
  const created = new Date().toISOString();
  const out: Check[] = [];
  const haltOn = params.halt_on ?? 'critical';
  for (const spec of specs) {
    const id = checkIdFromName(spec.name);
    if (!matchesCheckFilter(params.matching ?? undefined, { name: spec.name, id, tags: spec.tags })) continue;
    const severity = spec.severity ?? 'common';
    let success = true;
    let message: string | null = null;
    let hint: string | null = null;
    try {
      message = (await spec.run(signal)) ?? null;
    } catch (err) {
      success = false;
      message = err instanceof Error ? err.message : String(err);
      hint = (err as { hint?: string }).hint ?? null;
    }
    out.push({
      name: spec.name,
      id,
      description: spec.description ?? spec.name,
      severity,
      tags: [...(spec.tags ?? [])],
      success,
      message,
      hint,
      created_at: created,
      run_at: new Date().toISOString(),
    });
    if (!success && haltsAt(severity, haltOn)) break;
  }
  return out;
}
