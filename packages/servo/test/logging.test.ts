import { describe, expect, it } from 'vitest';
import { describeLogLine } from '../src/log-pretty.js';
import { chooseLogFormat, createLogger } from '../src/logging.js';

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

describe('log formats', () => {
  it('pretty on a terminal, JSON lines otherwise; --log-format and SERVO_LOG_FORMAT choose', () => {
    expect(chooseLogFormat(undefined, {}, { isTTY: true })).toBe('pretty');
    expect(chooseLogFormat(undefined, {}, {})).toBe('json');
    expect(chooseLogFormat('json', { SERVO_LOG_FORMAT: 'pretty' }, { isTTY: true })).toBe('json');
    expect(chooseLogFormat(undefined, { SERVO_LOG_FORMAT: 'pretty' }, {})).toBe('pretty');
    expect(() => chooseLogFormat(undefined, { SERVO_LOG_FORMAT: 'xml' }, {})).toThrow(/"xml" is not a log format; use one of pretty, json/);
  });

  it('pretty: time, level, connector, the message and its fields as key=value, one line each', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'pretty', destination: { write: (l: string) => void lines.push(l) } });
    log.debug({}, 'dropped');
    log.child({ connector: 'scripts' }).warn({ command: './adjust.sh', code: 3, err: 'no such setting "cpu"' }, 'script failed');
    expect(lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d WARN {2}\[scripts\] script failed command=\.\/adjust\.sh code=3 err="no such setting \\"cpu\\""\n$/),
    ]);
  });

  it('pretty: control characters from remote or script text are escaped, the line stays one line', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'pretty', destination: { write: (l: string) => void lines.push(l) } });
    log.warn({ answer: 'bad\u001b[31mred\nnext' }, 'receiver said \u001b]0;title\u0007');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}receiver said \\x1b\]0;title\\x07 answer="bad\\u001b\[31mred\\nnext"\n$/);
  });

  it('a described line reads as its sentence followed by the fields it names', () => {
    describeLogLine('test line', (f) => `sent ${f.what} in ${f.ms} ms`, ['id']);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'pretty', destination: { write: (l: string) => void lines.push(l) } });
    log.info({ what: 'a ping', ms: 12, id: 'msg_1' }, 'test line');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}sent a ping in 12 ms id=msg_1\n$/);
    // JSON lines are unchanged by a description.
    const json: string[] = [];
    createLogger({ level: 'info', destination: { write: (l: string) => void json.push(l) } }).info({ what: 'a ping', ms: 12, id: 'msg_1' }, 'test line');
    expect(JSON.parse(json[0]!)).toMatchObject({ msg: 'test line', what: 'a ping', ms: 12, id: 'msg_1' });
  });
});
