/**
 * The runtime names each servo-core entry point exports. A change to these
 * lists is a change to the package's public API: make it on purpose.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };

describe('servo-core entry points', () => {
  it('are the root, ./cli, ./optimizer/fake, ./observe and package.json', () => {
    expect(Object.keys(pkg.exports)).toEqual(['.', './cli', './optimizer/fake', './observe', './package.json']);
  });

  it('servo-core/observe: the HTTP endpoint of servo run for a servo built in code', async () => {
    expect(Object.keys(await import('../src/observe/serve.js')).sort()).toEqual(['serveServo']);
  });

  it('servo-core/optimizer/fake: the fake optimizer for tests, demos and benchmarks', async () => {
    expect(Object.keys(await import('../src/optimizer/fake/index.js')).sort()).toEqual([
      'DEFAULT_FAKE_ID',
      'DEFAULT_IDLE_SLEEP',
      'FakeSession',
      'PlanError',
      'PlanErrors',
      'escapeText',
      'formatEvent',
      'formatSummary',
      'isPlan',
      'loadPlan',
      'parsePlan',
      'startFakeOptimizer',
    ]);
  });

  it('servo-core: what a connector author needs', async () => {
    expect(Object.keys(await import('../src/index.js')).sort()).toEqual([
      'AdjustmentRejectedError',
      'ConfigError',
      'ConfigErrors',
      'ConnectorLoadError',
      'ConnectorStartError',
      'EventCancelledError',
      'EventParameterError',
      'ExchangeStoppedError',
      'HandlerError',
      'HandlerErrors',
      'InvalidChannelError',
      'InvalidSelectorError',
      'JSON_CONTENT_TYPE',
      'MAX_TIMER_MS',
      'Message',
      'MessageContentError',
      'REDACTED',
      'Servo',
      'ServoError',
      'ServoErrorCodes',
      'TEXT_CONTENT_TYPE',
      'UnknownEventError',
      'compileSelector',
      'createExchange',
      'createLogger',
      'defineConnector',
      'defineEvent',
      'describeLogLine',
      'events',
      'hasCode',
      'isAdjustmentRejectedError',
      'isEventCancelledError',
      'isExchangeStoppedError',
      'isJsonContentType',
      'isValidChannelName',
      'loadServo',
      'model',
      'silentLogger',
      'standardEvents',
      'startTimer',
      'z',
    ]);
  });

  it('servo-core/cli: what a connector’s commands need', async () => {
    expect(Object.keys(await import('../src/cli/index.js')).sort()).toEqual([
      'ExitCodes',
      'ExitError',
      'TABLE_WIDTH',
      'UsageError',
      'didYouMean',
      'exitCodeOf',
      'formatJson',
      'runCli',
      'table',
      'terminalText',
    ]);
  });

  it('the built package exports the same names', async () => {
    // dist is what ships (bundled); `npm test` builds it first.
    const root: object = await import(new URL('../dist/index.js', import.meta.url).href);
    const cli: object = await import(new URL('../dist/cli/index.js', import.meta.url).href);
    expect(Object.keys(root).sort()).toEqual(Object.keys(await import('../src/index.js')).sort());
    expect(Object.keys(cli).sort()).toEqual(Object.keys(await import('../src/cli/index.js')).sort());
    const fake: object = await import(new URL('../dist/optimizer/fake/index.js', import.meta.url).href);
    expect(Object.keys(fake).sort()).toEqual(Object.keys(await import('../src/optimizer/fake/index.js')).sort());
    const observe: object = await import(new URL('../dist/observe/serve.js', import.meta.url).href);
    expect(Object.keys(observe).sort()).toEqual(Object.keys(await import('../src/observe/serve.js')).sort());
  });
});
