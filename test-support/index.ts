/**
 * The test toolbox both packages' tests import: a recording receiver on
 * 127.0.0.1, a recording logger, the CLI run in-process (`runCli`) or as a
 * subprocess (`runServo`, optionally as an unprivileged user), a fake
 * clock with polling helpers, and the OS's Chromium through playwright-core.
 * @module
 */
export { CHROMIUM_ARGS, CHROMIUM_PATH, type LaunchedBrowser, launchBrowser, skipWithoutBrowser } from './browser.js';
export { type CliOptions, type CliRun, cliEnv, finished, NOBODY, type ProcessOptions, runCli, runServo, runServoUntil, SERVO_BIN, startServo } from './cli.js';
export { FakeClock, sleep, type TestClock, tick, waitFor } from './clock.js';
export { type Level, type LogLine, type RecordingLogger, recordingLogger } from './logger.js';
export { WORKSPACE } from './paths.js';
export { hasCommand, skipWithout } from './tools.js';
export {
  type Answer,
  deadUrl,
  noContent,
  type RawHandler,
  type Receiver,
  type RecordedRequest,
  type Responder,
  reply,
  startReceiver,
} from './receiver.js';
