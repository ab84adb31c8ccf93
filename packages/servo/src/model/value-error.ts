import { hasCode, ServoError, ServoErrorCodes } from '../errors.js';

/** What kind of value failed to parse. */
export type ValueKind = 'duration' | 'memory' | 'cpu' | 'adjustment';

/**
 * A textual value (duration, memory or CPU quantity, adjustment) that does not
 * parse. The message names the bad input and the accepted forms.
 *
 * @example
 * parseDuration('5x'); // throws: invalid duration "5x": expected a duration such as ...
 */
export class InvalidValueError extends ServoError {
  constructor(
    /** What was being parsed. */
    readonly kind: ValueKind,
    /** The rejected input, as given. */
    readonly input: unknown,
    /** The accepted forms, e.g. `expected a duration such as "5m"`. */
    readonly expected: string,
  ) {
    super(ServoErrorCodes.invalidValue, `invalid ${kind} ${describeInput(input)}: ${expected}`);
  }
}

/** True for an {@link InvalidValueError}, from any copy of this package. */
export function isInvalidValueError(err: unknown): err is InvalidValueError {
  return hasCode(err, ServoErrorCodes.invalidValue);
}

function describeInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number') return String(input);
  if (input === null || input === undefined) return String(input);
  return `of type ${typeof input}`;
}
