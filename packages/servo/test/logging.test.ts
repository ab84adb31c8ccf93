import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.js';

describe('createLogger', () => {
  it('writes JSON lines at or above its level only, with child bindings', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (l: string) => void lines.push(l) } });
    log.debug({ a: 1 }, 'dropped');
    log.info({ a: 2 }, 'dropped too');
    expect(lines).toEqual([]);
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    log.child({ connector: 'webhooks' }).warn({ id: 'msg_1' }, 'kept');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, connector: 'webhooks', id: 'msg_1', msg: 'kept' });
  });

  it('refuses a level that does not exist, naming the choices', () => {
    expect(() => createLogger({ level: 'verbose' as never })).toThrow(/"verbose" is not a log level; use one of debug, info, warn, error, silent/);
  });
});
