import { Command, CommanderError, Option } from 'commander';
import { dirname } from 'node:path';
import { ServoErrorCodes, UsageError, hasCode, type ConfigError, type ConfigErrors } from '../errors.js';
import { ExitCodes, exitCodeOf } from './exit-codes.js';
import { CommandContext, type CliIO, type GlobalOptions } from './context.js';
import { LOG_FORMATS, LOG_LEVELS, chooseLogFormat, isLogLevel } from '../logging.js';
import { terminalText } from './terminal.js';
import { expandHelp, groupsToMount, helpWidth, pointAtOwnHelp, versionLine } from './help.js';
import type { ConnectorDefinition } from '../connector/connector.js';

const CORE_COMMANDS = new Set([
  'describe',
  'measure',
  'adjust',
  'check',
  'show',
  'schema',
  'validate',
  'generate',
  'config',
  'version',
  'run',
  'optimizer',
  'help',
]);

/** What `servo run --help` adds: what run does with an optimizer, and without one. */
const RUN_HELP = `
With an optimizer (--optimizer or --url, OPSANI_* variables, or the optimizer: section of
servo.yaml), run asks it what to do next and carries out each command it sends (describe,
measure, adjust), reporting the results, until SIGINT or SIGTERM; then it says GOODBYE,
dispatches shutdown and finishes its webhook deliveries.

Without one, run dispatches startup, serves pub/sub channels and webhooks (resuming the
backlog a sqlite store kept), and waits for SIGINT or SIGTERM. Nothing triggers measure or
adjust then: run them yourself, e.g. from cron:
  */5 * * * *  cd /srv/app && npx servo measure

At start it logs its connectors, each webhook (events or channels, URL with credentials
masked, failure policy), the webhook store and its pending backlog, the optimizer or its
absence, and the HTTP endpoint if any.`;

/**
 * Runs the `servo` CLI with `argv` (without `node servo`) and resolves with the
 * exit code, one of {@link ExitCodes}: 0 success, 1 the operation failed or was
 * cancelled, 2 bad usage or configuration, 70 an unexpected error. Never calls
 * `process.exit` (only the bin does).
 */
export async function runCli(args: readonly string[], io: CliIO): Promise<number> {
  const argv = expandHelp(args);
  const ctx = new CommandContext(io);
  const program = buildProgram(ctx);
  let code: number = ExitCodes.ok;
  let failure: unknown;
  try {
    await mountConnectorCommands(program, argv, ctx);
    pointAtOwnHelp(program);
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (err) {
    failure = err;
    code = reportError(err, ctx);
  }
  try {
    await ctx.close();
  } catch (err) {
    // Closing finishes the connectors' work (e.g. webhook deliveries): its failure fails a command that succeeded.
    if (code === ExitCodes.ok) return reportError(err, ctx);
    if (err !== failure) io.stderr.write(`servo: error while closing: ${terminalText((err as Error).message, { multiline: true })}\n`);
  }
  return code;
}

function buildProgram(ctx: CommandContext): Command {
  const program = new Command('servo')
    .description('Run and operate a servo assembly: connectors answering events configured in servo.yaml')
    .option('-c, --config <file>', 'servo.yaml to use (default: $SERVO_CONFIG_FILE or ./servo.yaml)')
    .addOption(new Option('-o, --output <format>', 'output of data commands').choices(['table', 'json']).default('table'))
    .addOption(new Option('--log-level <level>', 'minimum log level on stderr').choices(LOG_LEVELS))
    .addOption(
      new Option('--log-format <format>', 'readable lines or JSON lines on stderr (default: $SERVO_LOG_FORMAT, else pretty on a terminal)').choices(
        LOG_FORMATS,
      ),
    )
    .version(versionLine(), '-V, --version', 'print the version (as `servo version`)')
    .helpCommand('help [command]', 'show help for a command or command group')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      getOutHelpWidth: () => helpWidth(ctx.stdout),
      getErrHelpWidth: () => helpWidth(ctx.stderr),
    })
    // Each command's help lists the global options (--config, --output, --log-level) too.
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', (cmd, action) => {
      const opts = cmd.optsWithGlobals() as GlobalOptions;
      const fromEnv = ctx.env.SERVO_LOG_LEVEL || undefined;
      if (fromEnv !== undefined && !isLogLevel(fromEnv)) {
        throw new UsageError(`SERVO_LOG_LEVEL="${fromEnv}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
      }
      // A long-running servo logs its activity; one-shot commands only warnings, unless asked.
      opts.logLevel ??= fromEnv ?? (action.name() === 'run' ? 'info' : 'warn');
      try {
        opts.logFormat = chooseLogFormat(opts.logFormat, ctx.env, ctx.stderr as { isTTY?: boolean });
      } catch (err) {
        throw new UsageError(`SERVO_LOG_FORMAT: ${(err as Error).message}`);
      }
      ctx.setOptions(opts);
    });

  // commander passes the arguments and options it parsed, then the command itself (dropped).
  const lazy =
    <A extends unknown[]>(load: () => Promise<{ default: (ctx: CommandContext, ...args: A) => Promise<void> }>) =>
    async (...args: unknown[]) => {
      const mod = await load();
      await mod.default(ctx, ...(args.slice(0, -1) as A));
    };

  program
    .command('describe')
    .argument('[connectors...]', 'only these connectors')
    .description('describe the components and metrics of the optimization target')
    .action(lazy(() => import('./commands/describe.js')));
  program
    .command('measure')
    .argument('[metrics...]', 'only these metrics')
    .option('-d, --duration <duration>', 'how long to measure, e.g. 30s')
    .description('take a measurement')
    .action(lazy(() => import('./commands/measure.js')));
  program
    .command('adjust')
    .argument('<settings...>', 'COMPONENT.SETTING=VALUE pairs')
    .description('apply setting values')
    .action(lazy(() => import('./commands/adjust.js')));
  program
    .command('check')
    .description('run readiness checks; exit 1 if any fails')
    .action(lazy(() => import('./commands/check.js')));
  program
    .command('show')
    .argument('<what>', 'connectors | events | metrics | components')
    .option('--available', 'with `connectors`: every installed connector type, not just the configured ones')
    .description('show connectors, events, metrics or components')
    .action(lazy(() => import('./commands/show.js')));
  program
    .command('schema')
    .argument('[name]', 'an event, a connector name or type; none: the whole config')
    .description('print a JSON Schema')
    .action(lazy(() => import('./commands/schema.js')));
  program
    .command('validate')
    .description('check servo.yaml; exit 2 with located errors if it is invalid')
    .action(lazy(() => import('./commands/validate.js')));
  program
    .command('generate')
    .argument('<types...>', 'connector types to generate sections for')
    .option('--defaults', 'write out fields that have default values too')
    .option('-f, --file <file>', 'where to write (default: the configuration file: --config, $SERVO_CONFIG_FILE or ./servo.yaml)')
    .option('--stdout', 'print instead of writing a file')
    .option('--force', 'overwrite an existing file')
    .description('write a starting servo.yaml')
    .action(lazy(() => import('./commands/generate.js')));
  program
    .command('config')
    .description('print the effective configuration, secrets redacted')
    .action(lazy(() => import('./commands/config.js')));
  program
    .command('version')
    .description('print versions')
    .action(lazy(() => import('./commands/version.js')));
  program
    .command('run')
    .option('--optimizer <org/app>', 'the optimizer to drive the loop (default: $OPSANI_OPTIMIZER or optimizer.id)')
    .option('--token <token>', 'API token (default: $OPSANI_TOKEN or optimizer.token)')
    .option('--token-file <file>', 'file holding the API token (default: $OPSANI_TOKEN_FILE or optimizer.token_file)')
    .option('--base-url <url>', 'API base URL (default: $OPSANI_BASE_URL, optimizer.base_url or https://api.opsani.com)')
    .option('--url <url>', 'full optimizer URL, overriding --base-url and --optimizer (default: $OPSANI_URL or optimizer.url)')
    .option('--http <host:port>', 'serve /metrics, /healthz and /readyz on this address, e.g. 127.0.0.1:9464 (default: server.listen of servo.yaml, else off)')
    .description('run the servo, driving the optimization loop when an optimizer is configured, until SIGINT or SIGTERM')
    .addHelpText('after', RUN_HELP)
    .action(lazy(() => import('./commands/run.js')));
  const optimizer = program.command('optimizer').description('tools for running against an optimizer');
  optimizer
    .command('fake')
    .requiredOption('--plan <file>', 'the plan (YAML): the commands to send and what to expect of each reply')
    .option('--port <port>', 'port to listen on (default: any free port, printed)')
    .option('--host <address>', 'address to listen on (default: 127.0.0.1)')
    .option('--record <file>', 'append every message received to this file, one JSON line each')
    .option('--token <token>', 'bearer token the servo must send (default: $OPSANI_TOKEN; none: any)')
    .option('--optimizer <org/app>', 'the ORG/APP to answer for (default: example.com/app)')
    .option('--exit-when-done', 'exit after the servo says GOODBYE (exit 1 when a step did not go as planned)')
    .description('run a fake optimizer following a plan, for tests and dry runs')
    .action(lazy(() => import('./commands/optimizer-fake.js')));
  return program;
}

/**
 * Mounts `servo <type> ...` for connector types whose definition brings a CLI:
 * the one `argv` names, or every installed one when help may list them.
 */
async function mountConnectorCommands(program: Command, argv: readonly string[], ctx: CommandContext): Promise<void> {
  const which = groupsToMount(argv, CORE_COMMANDS);
  if (which === undefined) return;
  const cfg = configArg(argv);
  if (cfg) ctx.setOptions({ config: cfg });
  const { availableConnectors } = await import('../assembly/load.js');
  const available = availableConnectors(dirname(ctx.configFile));
  const named = which === 'all' ? undefined : available.get(which);
  if (named) return mountGroup(program, which, await named.load(), ctx);
  // Help lists every group; an unknown name may be a mistyped one, which commander then suggests.
  program.commandsGroup('Connector commands:');
  for (const [name, connector] of available) {
    try {
      await mountGroup(program, name, await connector.load(), ctx);
    } catch (err) {
      // Help still works with a broken connector package; using it reports the error in full.
      ctx.stderr.write(`servo: note: connector type "${name}" could not be loaded: ${terminalText((err as Error).message)}\n`);
    }
  }
}

async function mountGroup(program: Command, name: string, definition: ConnectorDefinition, ctx: CommandContext): Promise<void> {
  if (!definition.cli) return;
  const register = await definition.cli();
  const group = program.command(name).description(`commands of the ${name} connector`);
  register(group, ctx);
}

function configArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

function reportError(err: unknown, ctx: CommandContext): number {
  // Messages may carry remote or script text (reasons, bodies, stderr): never raw control characters.
  const out = (text: string) => {
    const s = terminalText(text, { multiline: true });
    ctx.stderr.write(s.endsWith('\n') ? s : s + '\n');
  };
  const code = exitCodeOf(err);
  // commander has printed its own message (or the help) already.
  if (err instanceof CommanderError) return code;
  if (code === ExitCodes.internal) {
    out(`servo: internal error: ${err instanceof Error ? err.message : String(err)}`);
    if (ctx.env.SERVO_DEBUG && err instanceof Error && err.stack) out(err.stack);
    else out('(set SERVO_DEBUG=1 for a stack trace, and please report it)');
    return code;
  }
  if (hasCode(err, ServoErrorCodes.exit)) {
    if ((err as Error).message) out((err as Error).message);
  } else if (hasCode(err, ServoErrorCodes.configErrors)) {
    for (const e of (err as ConfigErrors).errors) out(`servo: ${e.format()}`);
  } else if (hasCode(err, ServoErrorCodes.config)) {
    out(`servo: ${(err as ConfigError).format()}`);
  } else {
    out(`servo: ${(err as Error).message}`);
  }
  return code;
}
