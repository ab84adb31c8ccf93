/**
 * servo-core/cli: what the commands a connector adds under `servo <type>`
 * need besides the connector contract (`CliContext` is in the root entry):
 * output helpers, the CLI's own errors and its exit codes, and `runCli` to
 * run the whole CLI in-process (e.g. in a connector's tests).
 * @module
 */
export { table, json as formatJson, TABLE_WIDTH, type OutputFormat, type TableOptions } from './output.js';
export { ExitCodes, exitCodeOf, type ExitCode } from './exit-codes.js';
export { ExitError, UsageError } from '../errors.js';
export { runCli } from './program.js';
export { terminalText, type TerminalTextOptions } from './terminal.js';
export type { CliIO } from './context.js';
export { didYouMean } from '../assembly/config/suggest.js';
