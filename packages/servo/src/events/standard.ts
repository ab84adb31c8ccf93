/**
 * The standard events every servo knows, in lifecycle order.
 * @module
 */
import { z } from 'zod';
import { defineEvent, type EventDefinition } from './event.js';
import { Adjustment } from '../model/adjustment.js';
import { Check, CheckFilter, Severity } from '../model/check.js';
import { Component } from '../model/component.js';
import { Control } from '../model/control.js';
import { Description } from '../model/description.js';
import { Measurement } from '../model/measurement.js';
import { Metric } from '../model/metric.js';

/**
 * Result of events that answer nothing: handlers may return nothing or
 * `null`. Emitted in JSON Schema as `{"type": "null"}`. Typed `void | null`
 * so that `() => {}` and `async () => {}` are valid handlers.
 */
const Nothing: z.ZodType<void | null, void | null> = z.null().optional().describe('Nothing: handlers return no value');

const noParams = () => z.object({}).describe('No parameters');

/** Control of an operation; optional when dispatching, always present (defaults applied) in handlers. */
const control = () => Control.prefault({});

/** A connector joins the servo. */
export const attach = defineEvent({
  name: 'attach',
  description: 'A connector is attached to the servo',
  params: z.object({ servo: z.string().min(1).describe('Name of the servo') }),
  result: Nothing,
});

/** A connector leaves the servo. */
export const detach = defineEvent({
  name: 'detach',
  description: 'A connector is detached from the servo',
  params: z.object({ servo: z.string().min(1).describe('Name of the servo') }),
  result: Nothing,
});

/** The servo starts running. */
export const startup = defineEvent({
  name: 'startup',
  description: 'The servo starts running',
  params: noParams(),
  result: Nothing,
});

/** The servo stops running. */
export const shutdown = defineEvent({
  name: 'shutdown',
  description: 'The servo stops running',
  params: noParams(),
  result: Nothing,
});

/** Lists the metrics the connectors can measure. */
export const metrics = defineEvent({
  name: 'metrics',
  description: 'List the metrics that can be measured',
  params: noParams(),
  result: z.array(Metric).describe('Metrics this connector can measure'),
});

/** Lists the optimizable components. */
export const components = defineEvent({
  name: 'components',
  description: 'List the components that can be adjusted',
  params: noParams(),
  result: z.array(Component).describe('Components this connector can adjust'),
});

/** Runs readiness checks. */
export const check = defineEvent({
  name: 'check',
  description: 'Run readiness checks and report their outcomes',
  params: z.object({
    matching: CheckFilter.optional().describe('Run only the checks this filter selects'),
    halt_on: Severity.default('critical').describe('Stop at the first failure of this severity or worse'),
  }),
  result: z.array(Check).describe('Outcomes of the checks that ran'),
});

/** Describes the current state: components with settings, and metrics. */
export const describe = defineEvent({
  name: 'describe',
  description: 'Describe the current settings of the components and the metrics',
  params: z.object({ control: control() }),
  result: Description,
});

/** Takes a measurement. */
export const measure = defineEvent({
  name: 'measure',
  description: 'Measure metrics over the control duration',
  params: z.object({
    metrics: z.array(z.string().min(1)).optional().describe('Names of the metrics to measure; all when absent'),
    control: control(),
  }),
  result: Measurement,
});

/** Applies new setting values. */
export const adjust = defineEvent({
  name: 'adjust',
  description: 'Apply new values to settings of components',
  params: z.object({
    adjustments: z.array(Adjustment).min(1).describe('The new values'),
    control: control(),
  }),
  result: Description.describe('The components after the adjustment'),
});

/** Makes the current settings permanent. */
export const promote = defineEvent({
  name: 'promote',
  description: 'Promote the current settings',
  params: noParams(),
  result: Nothing,
});

/** Every standard event, in lifecycle order. */
export const standardEvents: readonly EventDefinition[] = Object.freeze([
  attach,
  detach,
  startup,
  shutdown,
  metrics,
  components,
  check,
  describe,
  measure,
  adjust,
  promote,
]);
