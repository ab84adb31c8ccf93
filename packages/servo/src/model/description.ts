import { z } from 'zod';
import { Component } from './component.js';
import { Metric } from './metric.js';
import type { Setting } from './setting.js';

/** What a servo exposes: its components (with settings) and its metrics. Answer of `describe` and `adjust`. */
export const Description = z
  .object({
    components: z.array(Component).default([]).describe('Components and their settings'),
    metrics: z.array(Metric).default([]).describe('Metrics that can be measured'),
  })
  .meta({ id: 'Description', description: 'The components (with their settings) and metrics of a servo' });
/** What a servo exposes: components and metrics. */
export type Description = z.output<typeof Description>;

/** The setting `component.setting` of a description, if it has one. */
export function findSetting(description: Description, component: string, setting: string): Setting | undefined {
  return description.components.find((c) => c.name === component)?.settings.find((s) => s.name === setting);
}
