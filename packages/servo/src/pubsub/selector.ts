import { createRequire } from 'node:module';
import { InvalidChannelError, InvalidSelectorError } from './errors.js';

/** A compiled subscription selector. */
export interface ChannelSelector {
  /** The selector as written. */
  readonly source: string;
  /** How it matches: one exact channel name, a glob, or a regular expression. */
  readonly kind: 'exact' | 'glob' | 'regex';
  /** True when `channel` is selected. */
  matches(channel: string): boolean;
}

const CHANNEL_NAME = /^[A-Za-z0-9._/-]{1,128}$/;
const REGEX_SELECTOR = /^\/(.+)\/([A-Za-z]*)$/s;
// Characters that cannot appear in a channel name but carry meaning in a glob.
const GLOB_CHARS = /[*?[\]{}()!+@|^$,\\]/;

/** True when `name` is a valid channel name: 1-128 of letters, digits, `.`, `-`, `_`, `/`. */
export function isValidChannelName(name: string): boolean {
  return typeof name === 'string' && CHANNEL_NAME.test(name);
}

/** @throws InvalidChannelError when `name` is not a valid channel name. */
export function assertChannelName(name: string): void {
  if (!isValidChannelName(name)) throw new InvalidChannelError(String(name));
}

/**
 * Compiles a selector once, at subscribe time:
 * - `/pattern/flags`: a regular expression tested against the whole channel name
 *   (anchor it yourself; the `g` and `y` flags are refused since they make `test()` stateful);
 * - a glob (`metrics.*`, `servo.**`, `{a,b}.events`): both `.` and `/` separate
 *   segments, `*` matches within one segment, `**` across any number;
 * - anything else: one exact channel name.
 *
 * @throws InvalidSelectorError for a bad regex or glob; InvalidChannelError for a bad exact name.
 */
export function compileSelector(selector: string): ChannelSelector {
  if (typeof selector !== 'string' || selector.length === 0) {
    throw new InvalidSelectorError(String(selector), 'a selector is a non-empty string');
  }
  if (selector.startsWith('/')) return compileRegex(selector);
  if (GLOB_CHARS.test(selector)) return compileGlob(selector);
  assertChannelName(selector);
  return { source: selector, kind: 'exact', matches: (channel) => channel === selector };
}

function compileRegex(selector: string): ChannelSelector {
  const m = REGEX_SELECTOR.exec(selector);
  if (!m) {
    throw new InvalidSelectorError(selector, 'a selector starting with "/" is a regular expression: write /pattern/flags');
  }
  const [, body, flags] = m as unknown as [string, string, string];
  if (/[gy]/.test(flags)) {
    throw new InvalidSelectorError(selector, 'the "g" and "y" flags are not allowed in a channel selector');
  }
  let re: RegExp;
  try {
    re = new RegExp(body, flags);
  } catch (err) {
    throw new InvalidSelectorError(selector, (err as Error).message, { cause: err });
  }
  return { source: selector, kind: 'regex', matches: (channel) => re.test(channel) };
}

type Matcher = (input: string) => boolean;
type Picomatch = (glob: string, options: { dot: boolean; strictBrackets?: boolean }) => Matcher;
let picomatch: Picomatch | undefined;

function compileGlob(selector: string): ChannelSelector {
  // Loaded on the first glob: servos that never subscribe by glob do not pay for it.
  picomatch ??= createRequire(import.meta.url)('picomatch/posix') as Picomatch;
  let match: Matcher;
  try {
    match = picomatch(toPath(selector), { dot: true, strictBrackets: true });
  } catch (err) {
    throw new InvalidSelectorError(selector, (err as Error).message, { cause: err });
  }
  return { source: selector, kind: 'glob', matches: (channel) => match(toPath(channel)) };
}

// `.` and `/` both separate segments: map `.` to `/` so picomatch's segment rules apply.
function toPath(s: string): string {
  return s.includes('.') ? s.replaceAll('.', '/') : s;
}
