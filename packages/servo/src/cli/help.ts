/**
 * What `servo --help`, `servo help GROUP`, `servo --version` and usage errors
 * show: connector command groups mounted when help may list them, every
 * command's help with the global options that apply to it, and usage errors
 * that point at the help of the command they happened in.
 * @module
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';

/** The version line `servo version` and `servo --version` print. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `servo ${pkg.version} (node ${process.versions.node})`;
}

/** Width help is wrapped to: the terminal's on a terminal, else 80 (as commander does for the process's own streams). */
export function helpWidth(stream: NodeJS.WritableStream): number {
  const tty = stream as { isTTY?: boolean; columns?: number };
  return tty.isTTY && tty.columns ? tty.columns : 80;
}

/** Options that take a value: the word after them is not a command. */
const VALUE_OPTIONS = new Set(['-c', '--config', '-o', '--output', '--log-level']);

/** Positions in `argv` of the words that are not options or option values: the command path. */
function commandPositions(argv: readonly string[]): number[] {
  const at: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) at.push(i);
  }
  return at;
}

/** The words of `argv` that are not options or option values: the command path. */
export function commandWords(argv: readonly string[]): string[] {
  return commandPositions(argv).map((i) => argv[i]!);
}

/**
 * `servo help GROUP COMMAND` as `servo GROUP COMMAND --help` (commander's help command looks
 * at one name only); any other `argv` as it is.
 */
export function expandHelp(argv: readonly string[]): readonly string[] {
  const [first, second] = commandPositions(argv);
  if (first === undefined || second === undefined || argv[first] !== 'help') return argv;
  return [...argv.slice(0, first), ...argv.slice(first + 1), '--help'];
}

/**
 * The connector command groups to mount for `argv`: `'all'` when help may list
 * them (bare `servo`, `servo --help`, `servo help`) or a mistyped command may be
 * one of them (commander suggests the closest); one name for `servo NAME ...` or
 * `servo help NAME`; none for core commands and `--version`.
 */
export function groupsToMount(argv: readonly string[], coreCommands: ReadonlySet<string>): 'all' | string | undefined {
  const [first, second] = commandWords(argv);
  if (first === undefined) return argv.includes('-V') || argv.includes('--version') ? undefined : 'all';
  if (first === 'help') return second === undefined ? 'all' : coreCommands.has(second) ? undefined : second;
  return coreCommands.has(first) ? undefined : first;
}

/**
 * Call on every command once all are defined: a usage error names the help of
 * the command it happened in (`servo webhooks lst` points at `servo webhooks --help`).
 */
export function pointAtOwnHelp(cmd: Command, path: string = cmd.name()): void {
  cmd.showHelpAfterError(`(run \`${path} --help\` for usage)`);
  for (const sub of cmd.commands) pointAtOwnHelp(sub, `${path} ${sub.name()}`);
}
