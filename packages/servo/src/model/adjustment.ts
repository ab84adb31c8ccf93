import { z } from 'zod';
import { InvalidValueError } from './value-error.js';

/** A new value for one setting of one component. */
export const Adjustment = z
  .object({
    component_name: z.string().min(1).describe('Name of the component, e.g. "web"'),
    setting_name: z.string().min(1).describe('Name of the setting, e.g. "cpu"'),
    value: z.union([z.number(), z.string()]).describe('The new value'),
  })
  .meta({ id: 'Adjustment', description: 'A new value for one setting of one component' });
/** A new value for one setting of one component. */
export type Adjustment = z.output<typeof Adjustment>;

const ADJUSTMENT_EXPECTED = 'expected COMPONENT.SETTING=VALUE, e.g. "web.cpu=500m" or "web.replicas=3"';
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses the command-line form `component.setting=value`. The setting name is
 * what follows the last `.` before `=`, so component names may contain dots.
 * Numeric values become numbers; others stay strings (e.g. `"500m"`).
 * @throws InvalidValueError for any other shape.
 * @example parseAdjustment('web.replicas=3') // { component_name: 'web', setting_name: 'replicas', value: 3 }
 */
export function parseAdjustment(text: string): Adjustment {
  const eq = text.indexOf('=');
  const target = eq < 0 ? '' : text.slice(0, eq);
  const dot = target.lastIndexOf('.');
  const raw = text.slice(eq + 1).trim();
  if (eq < 0 || dot <= 0 || dot === target.length - 1 || raw === '') {
    throw new InvalidValueError('adjustment', text, ADJUSTMENT_EXPECTED);
  }
  return {
    component_name: target.slice(0, dot).trim(),
    setting_name: target.slice(dot + 1).trim(),
    value: NUMBER_RE.test(raw) ? Number(raw) : raw,
  };
}
