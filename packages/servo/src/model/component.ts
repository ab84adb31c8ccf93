import { z } from 'zod';
import { Setting } from './setting.js';

/** Something optimizable (an application, a deployment) and its settings. */
export const Component = z
  .object({
    name: z.string().min(1).describe('Name of the component, e.g. "web"'),
    settings: z.array(Setting).default([]).describe('Settings of the component; names are unique'),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.settings.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: ['settings', i, 'name'], input: s.name, message: `duplicate setting "${s.name}" in component "${c.name}"` });
      }
      seen.add(s.name);
    });
  })
  .meta({ id: 'Component', description: 'An optimizable part of the system and its settings' });
/** Something optimizable and its settings. */
export type Component = z.output<typeof Component>;
