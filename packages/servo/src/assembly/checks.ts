import type { CheckSpec } from '../connector/connector.js';

/** A check's outcome in the servo data model's shape (`Check`). */
export interface CheckOutcome {
  name: string;
  id: string;
  description: string;
  severity: 'critical' | 'common' | 'warning';
  tags: string[];
  success: boolean;
  message: string | null;
  hint: string | null;
  created_at: string;
  run_at: string;
}

interface CheckParams {
  matching?: { name?: string | string[]; id?: string | string[]; tags?: string[] } | null;
  halt_on?: 'critical' | 'common' | 'warning';
}

const ORDER = { critical: 0, common: 1, warning: 2 } as const;

/**
 * Runs `specs` one after another (checks often probe the same resources),
 * filtered by `matching`; stops after a failure at or above `halt_on`.
 */
export async function runChecks(specs: readonly CheckSpec[], params: CheckParams, signal: AbortSignal): Promise<CheckOutcome[]> {
  const created = new Date().toISOString();
  const out: CheckOutcome[] = [];
  const haltOn = params.halt_on ?? 'critical';
  for (const spec of specs) {
    if (!matches(spec, params.matching)) continue;
    const severity = spec.severity ?? 'common';
    const id = slug(spec.name);
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
    if (!success && ORDER[severity] <= ORDER[haltOn]) break;
  }
  return out;
}

function matches(spec: CheckSpec, m: CheckParams['matching']): boolean {
  if (!m) return true;
  const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
  const names = list(m.name);
  const ids = list(m.id);
  if (names && !names.includes(spec.name)) return false;
  if (ids && !ids.includes(slug(spec.name))) return false;
  if (m.tags && !m.tags.some((t) => spec.tags?.includes(t))) return false;
  return true;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}
