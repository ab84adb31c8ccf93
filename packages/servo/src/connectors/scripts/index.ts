/**
 * The built-in `scripts` connector: runs shell commands before, on and after
 * servo events.
 *
 * ```yaml
 * scripts:
 *   timeout: 30s              # per command; a duration or seconds
 *   shell: /bin/sh            # each command runs as `<shell> -c <command>`
 *   cwd: ./hooks              # default: the folder of servo.yaml
 *   before: { adjust: ["./check-window.sh"] }   # exit 100 cancels, first stdout line = reason
 *   on:     { measure: ["./measure.sh"] }       # stdout JSON = the result, validated
 *           # (on adjust: exit 101 rejects the adjustment, first stdout line = reason)
 *   after:  { adjust: ["logger adjusted"] }     # stdin: {"params": ..., "results": [...]}
 * ```
 *
 * Every command gets the event's parameters as JSON on stdin and
 * `SERVO_EVENT`, `SERVO_PREPOSITION`, `SERVO_CONNECTOR` in its environment.
 * Commands of one event run in order; a failure (non-zero exit, signal,
 * timeout) raises a {@link ScriptError} naming the command and the tail of its stderr.
 * @module
 */
import { dirname, resolve } from 'node:path';
import { defineConnector } from '../../connector/connector.js';
import { parseTimeout, scriptsConfigSchema, type Commands, type ScriptsConfig } from './config.js';
import { scriptAfterHandler, scriptBeforeHandler, scriptOnHandler, type ScriptRunner } from './handlers.js';

/** Version of the scripts connector. */
export const VERSION = '0.1.0';

/** The `scripts` connector type. */
const scripts = defineConnector<ScriptsConfig>({
  type: 'scripts',
  metadata: {
    version: VERSION,
    description: 'Runs shell commands before, on and after servo events',
    license: 'Apache-2.0',
    maturity: 'stable',
  },
  config: scriptsConfigSchema,
  // Commands are shown as written (`${API_TOKEN}`), never with the value; resolved when they run.
  verbatimFields: ['before', 'on', 'after'],
  generate: ({ defaults }) => ({
    value: {
      ...(defaults ? { timeout: '30s', shell: '/bin/sh' } : {}),
      before: { adjust: ['./check-window.sh'] },
      on: { describe: ['cat description.json'], measure: ['./measure.sh'] },
      after: { adjust: ['logger "servo adjusted"'] },
    },
    comments: {
      '':
        'Shell commands run on servo events, with the event parameters as JSON on stdin\n' +
        'and SERVO_EVENT, SERVO_PREPOSITION, SERVO_CONNECTOR in the environment.',
      ...(defaults ? { timeout: 'Per command: a duration ("30s", "1m30s") or seconds', shell: 'Runs each command as <shell> -c <command>' } : {}),
      before: 'Exit 0 proceeds; exit 100 cancels the event, the first stdout line is the reason',
      on: "JSON printed on stdout is the result, checked against the event's result schema",
      after: 'stdin is {"params": ..., "results": [{"connector": ..., "value": ...}]}',
    },
  }),
  setup(ctx) {
    const config = ctx.config;
    const runner: ScriptRunner = {
      connector: ctx.name,
      shell: config.shell,
      cwd: resolve(ctx.servo.configFile ? dirname(ctx.servo.configFile) : process.cwd(), config.cwd ?? '.'),
      // The schema has validated it.
      timeoutMs: parseTimeout(config.timeout)!,
      logger: ctx.logger,
    };
    for (const [event, commands] of entries(config.before)) ctx.before(event, scriptBeforeHandler(event, commands, runner));
    for (const [event, commands] of entries(config.on)) ctx.on(event, scriptOnHandler(event, commands, runner));
    for (const [event, commands] of entries(config.after)) ctx.after(event, scriptAfterHandler(event, commands, runner));
  },
});

export default scripts;

function entries(byEvent: Readonly<Partial<Record<string, Commands>>>): [string, readonly string[]][] {
  const out: [string, readonly string[]][] = [];
  for (const [event, commands] of Object.entries(byEvent)) {
    if (commands !== undefined) out.push([event, typeof commands === 'string' ? [commands] : commands]);
  }
  return out;
}

export { parseTimeout, scriptsConfigSchema, type Commands, type ScriptsConfig } from './config.js';
export {
  CANCEL_EXIT_CODE,
  REJECT_EXIT_CODE,
  scriptAfterHandler,
  scriptBeforeHandler,
  scriptOnHandler,
  type ScriptRunner,
} from './handlers.js';
export { runScript, type RunOptions, type RunResult } from './run.js';
export {
  ScriptError,
  ScriptOutputError,
  isScriptError,
  isScriptOutputError,
  formatMs,
  type ScriptFailure,
  type ScriptSite,
} from './errors.js';
