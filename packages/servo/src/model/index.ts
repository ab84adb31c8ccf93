/**
 * The servo data model: zod schemas (each also a TypeScript type of the same
 * name) with the JSON field names servox uses, and the parsers of durations,
 * CPU and memory quantities and command-line adjustments.
 * @module
 */
export { InvalidValueError, isInvalidValueError, type ValueKind } from './value-error.js';
export { Duration, DurationMs, parseDuration, formatDuration, DURATION_EXPECTED, DURATION_PATTERN } from './duration.js';
export {
  CpuQuantity,
  MemoryQuantity,
  parseCpu,
  parseMemory,
  CPU_EXPECTED,
  MEMORY_EXPECTED,
  CPU_PATTERN,
  MEMORY_PATTERN,
} from './quantity.js';
export { Timestamp } from './timestamp.js';
export { Unit, UNIT_NAMES, Metric } from './metric.js';
export { DataPoint, TimeSeries, Readings, Measurement } from './measurement.js';
export {
  Setting,
  RangeSetting,
  EnumSetting,
  CpuSetting,
  MemorySetting,
  ReplicasSetting,
  InstanceTypeSetting,
} from './setting.js';
export { Component } from './component.js';
export { Description, findSetting } from './description.js';
export { Adjustment, parseAdjustment } from './adjustment.js';
export { Control } from './control.js';
export { Check, CheckFilter, Severity, matchesCheckFilter, checkIdFromName, haltsAt } from './check.js';
