/**
 * Settings: the knobs an optimizer turns. A setting is a range of numbers or
 * an enumeration of values; cpu, memory, replicas and instance type are
 * specialisations with friendlier inputs.
 * @module
 */
import { z } from 'zod';
import { CpuQuantity, MemoryQuantity } from './quantity.js';

const common = {
  name: z.string().min(1).describe('Name of the setting, unique within its component, e.g. "cpu"'),
  pinned: z.boolean().default(false).describe('When true the optimizer must leave the setting at its value'),
  unit: z.string().nullish().describe('Unit of the values, e.g. "cores"'),
};

interface RangeLike {
  min: number;
  max: number;
  step: number;
  value?: number | null | undefined;
}

/** Range invariants: min <= max, step > 0, min <= value <= max. */
function checkRange(s: RangeLike, ctx: z.RefinementCtx): void {
  if (s.min > s.max) ctx.addIssue({ code: 'custom', path: ['max'], input: s.max, message: `max (${s.max}) must be at least min (${s.min})` });
  if (!(s.step > 0)) ctx.addIssue({ code: 'custom', path: ['step'], input: s.step, message: `step must be greater than 0, got ${s.step}` });
  if (s.value != null && (s.value < s.min || s.value > s.max)) {
    ctx.addIssue({ code: 'custom', path: ['value'], input: s.value, message: `value ${s.value} is outside the range [${s.min}, ${s.max}]` });
  }
}

interface EnumLike {
  values: readonly (string | number)[];
  value?: string | number | null | undefined;
}

/** Enum invariant: the value, when set, is one of the values. */
function checkEnum(s: EnumLike, ctx: z.RefinementCtx): void {
  if (s.value != null && !s.values.includes(s.value)) {
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      input: s.value,
      message: `value ${JSON.stringify(s.value)} is not one of ${s.values.map((v) => JSON.stringify(v)).join(', ')}`,
    });
  }
}

/** A numeric setting that takes values from `min` to `max` in steps of `step`. */
export const RangeSetting = z
  .object({
    ...common,
    type: z.literal('range'),
    min: z.number().describe('Smallest value'),
    max: z.number().describe('Largest value'),
    step: z.number().describe('Increment between values (> 0)'),
    value: z.number().nullish().describe('Current value'),
  })
  .superRefine(checkRange)
  .meta({ id: 'RangeSetting', description: 'A numeric setting ranging from min to max in steps of step' });
/** A numeric setting from `min` to `max` in steps of `step`. */
export type RangeSetting = z.output<typeof RangeSetting>;

/** A setting that takes one of a list of values. */
export const EnumSetting = z
  .object({
    ...common,
    type: z.literal('enum'),
    values: z
      .array(z.union([z.string(), z.number()]))
      .min(1)
      .describe('The values the setting may take'),
    value: z.union([z.string(), z.number()]).nullish().describe('Current value, one of values'),
  })
  .superRefine(checkEnum)
  .meta({ id: 'EnumSetting', description: 'A setting that takes one of a list of values' });
/** A setting that takes one of a list of values. */
export type EnumSetting = z.output<typeof EnumSetting>;

/** A range or enum setting, told apart by `type`. */
export const Setting = z
  .discriminatedUnion('type', [RangeSetting, EnumSetting])
  .meta({ id: 'Setting', description: 'A setting of a component: a range ("type": "range") or an enumeration ("type": "enum")' });
/** A range or enum setting. */
export type Setting = z.output<typeof Setting>;

/**
 * CPU of a component in cores. Accepts millicores (`"500m"`); parses to a
 * {@link RangeSetting} named `cpu` with unit `cores`.
 * @example CpuSetting.parse({ min: '250m', max: 4, value: '1' }) // step 0.125
 */
export const CpuSetting = z
  .object({
    ...common,
    name: common.name.default('cpu'),
    type: z.literal('range').default('range'),
    unit: z.literal('cores').default('cores'),
    min: CpuQuantity,
    max: CpuQuantity,
    step: CpuQuantity.prefault(0.125),
    value: CpuQuantity.nullish(),
  })
  .superRefine(checkRange)
  .meta({ id: 'CpuSetting', description: 'CPU in cores (a range setting; "500m" means 0.5 cores)' });
/** CPU of a component in cores. */
export type CpuSetting = z.output<typeof CpuSetting>;

/**
 * Memory of a component in bytes. Accepts `"512Mi"`, `"1Gi"`, `"2G"`; parses
 * to a {@link RangeSetting} named `mem` with unit `bytes`.
 */
export const MemorySetting = z
  .object({
    ...common,
    name: common.name.default('mem'),
    type: z.literal('range').default('range'),
    unit: z.literal('bytes').default('bytes'),
    min: MemoryQuantity,
    max: MemoryQuantity,
    step: MemoryQuantity.prefault('128Mi'),
    value: MemoryQuantity.nullish(),
  })
  .superRefine(checkRange)
  .meta({ id: 'MemorySetting', description: 'Memory in bytes (a range setting; sizes such as "512Mi" or "1Gi" accepted)' });
/** Memory of a component in bytes. */
export type MemorySetting = z.output<typeof MemorySetting>;

const count = z.number().int().nonnegative();

/** Number of replicas of a component: a whole-number {@link RangeSetting} named `replicas`. */
export const ReplicasSetting = z
  .object({
    ...common,
    name: common.name.default('replicas'),
    type: z.literal('range').default('range'),
    min: count.describe('Fewest replicas'),
    max: count.describe('Most replicas'),
    step: count.default(1).describe('Increment between values'),
    value: count.nullish().describe('Current number of replicas'),
  })
  .superRefine(checkRange)
  .meta({ id: 'ReplicasSetting', description: 'Number of replicas (a whole-number range setting)' });
/** Number of replicas of a component. */
export type ReplicasSetting = z.output<typeof ReplicasSetting>;

/** Instance type of a component, e.g. EC2 `"m5.large"`: an {@link EnumSetting} named `inst_type`. */
export const InstanceTypeSetting = z
  .object({
    ...common,
    name: common.name.default('inst_type'),
    type: z.literal('enum').default('enum'),
    unit: z.string().default('ec2').describe('Kind of instance types, e.g. "ec2"'),
    values: z.array(z.string().min(1)).min(1).describe('Instance types the component may run on'),
    value: z.string().nullish().describe('Current instance type'),
  })
  .superRefine(checkEnum)
  .meta({ id: 'InstanceTypeSetting', description: 'Instance type (an enum setting), e.g. "m5.large"' });
/** Instance type of a component. */
export type InstanceTypeSetting = z.output<typeof InstanceTypeSetting>;
