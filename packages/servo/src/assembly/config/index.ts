/**
 * servo.yaml loading: YAML with positions, `${VAR}` substitution,
 * `SERVO_<NAME>_<FIELD>` overrides and per-connector validation with located,
 * actionable errors.
 * @module
 */
export {
  loadConfig,
  parseConfigText,
  type ConfigSection,
  type LoadConfigOptions,
  type LoadedConfig,
  type ParseConfigOptions,
} from './load-config.js';
export { interpolateString, type Env, type Interpolated } from './interpolate.js';
export { overrideVariable } from './overrides.js';
export { instanceNameProblem, RESERVED_KEYS } from './layout.js';
export { formatPath } from './paths.js';
