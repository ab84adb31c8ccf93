/**
 * The optimization loop `servo run` drives: HELLO (retried until it is
 * answered), then WHATS_NEXT -> DESCRIBE / MEASURE / ADJUST / SLEEP -> the
 * standard event -> DESCRIPTION / MEASUREMENT / ADJUSTMENT with a status,
 * `cmd_uid` echoed; GOODBYE with the reason when stopped.
 *
 * Failures never end the loop, except a 401/403 (the run rejects with
 * OptimizerUnauthorizedError): retryable ones are retried with backoff, other
 * answers are logged and the loop asks again after a backoff; a WHATS_NEXT
 * answered with a status is logged and asked again after a short wait.
 * @module
 */
import type { Servo } from '../assembly/servo.js';
import type { Logger } from '../logging.js';
import { DEFAULT_BACKOFF, type OptimizerClient, retrying, sleep } from './client.js';
import { type CommandProgress, expectedSeconds, type Reply, runCommand, type StopCause } from './command.js';
import { OptimizerRequestError, OptimizerUnauthorizedError } from './errors.js';
import { type CommandResponse, DEFAULT_SLEEP_SECONDS, type HelloParam, type OptimizerAnswer, REPLY_EVENT, type ServoEvent } from './protocol.js';

/** A signal that never aborts: replies are not cut short by a stop (they report it). */
const NEVER = new AbortController().signal;

/** Options of {@link OptimizerRunner}. */
export interface RunnerOptions {
  readonly servo: Servo;
  readonly client: OptimizerClient;
  readonly logger: Logger;
  readonly hello: HelloParam;
  /** Backoff of retried requests (default 250 ms doubling to 30 s). */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number } | undefined;
  /** Wait before asking again after WHATS_NEXT was answered with a status (default 1 s). */
  readonly statusRetryMs?: number | undefined;
  /** How long a stopped command may take to wind down before it is reported (default 5 s). */
  readonly stopGraceMs?: number | undefined;
  /** How long a reply is retried before it is given up (default 10 min). */
  readonly replyRetryMs?: number | undefined;
  /** Told what the loop does (the metrics of `servo run --http`). */
  readonly observer?: RunnerObserver | undefined;
}

/** What the loop reports as it runs: commands, requests the optimizer did not take, whether it is reached. */
export interface RunnerObserver {
  command(kind: string, status: string, seconds: number): void;
  apiError(event: string): void;
  connected(up: boolean): void;
}

/** Counts kept while the loop runs (for logs and tests). */
export interface RunnerStats {
  commands: number;
  replies: Partial<Record<Reply['status'], number>>;
}

/** Runs the loop against one optimizer until {@link OptimizerRunner.stop}. */
export class OptimizerRunner {
  readonly stats: RunnerStats = { commands: 0, replies: {} };
  readonly #o: RunnerOptions;
  readonly #log: Logger;
  readonly #stopping = new AbortController();
  #command: AbortController | undefined;
  #running: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #failures = 0;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#log = options.logger;
  }

  /**
   * Runs the loop: resolves once stopped (GOODBYE posted);
   * rejects with OptimizerUnauthorizedError when the optimizer refuses the credentials.
   */
  run(): Promise<void> {
    return (this.#running ??= this.#run());
  }

  /**
   * Stops the loop: interrupts a SLEEP or a wait at once, aborts a running
   * command (reported `aborted`), posts GOODBYE with `reason` (e.g. the
   * signal's name), closes the client.
   */
  stop(reason: string): Promise<void> {
    return (this.#stopped ??= this.#stop(reason));
  }

  get #signal(): AbortSignal {
    return this.#stopping.signal;
  }

  async #run(): Promise<void> {
    const endpoint = this.#o.client.endpoint;
    this.#log.info({ optimizer: endpoint }, 'saying hello to the optimizer');
    if (!(await this.#hello())) return;
    this.#log.info({ optimizer: endpoint }, 'the optimizer answered hello; asking what next');
    while (!this.#signal.aborted) {
      const answer = await this.#ask('WHATS_NEXT', null);
      if (this.#signal.aborted) break;
      if (!answer) {
        await this.#backoff();
        continue;
      }
      this.#failures = 0;
      if (answer.kind === 'status') {
        const { status, message, reason } = answer.status;
        this.#log.warn({ status, message, reason }, 'the optimizer answered WHATS_NEXT with a status instead of a command; asking again');
        await sleep(this.#o.statusRetryMs ?? 1000, this.#signal);
        continue;
      }
      await this.#execute(answer.command);
    }
  }

  async #hello(): Promise<boolean> {
    for (;;) {
      const answer = await this.#ask('HELLO', this.#o.hello, Number.POSITIVE_INFINITY);
      if (answer || this.#signal.aborted) return answer !== undefined;
      await this.#backoff();
    }
  }

  async #execute(command: CommandResponse): Promise<void> {
    const cmdUid = command.cmd_uid ?? undefined;
    this.stats.commands++;
    this.#log.info({ cmd: command.cmd, cmd_uid: cmdUid }, 'optimizer command');
    if (command.cmd === 'SLEEP') {
      const seconds = Number(command.param?.duration ?? DEFAULT_SLEEP_SECONDS);
      const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_SLEEP_SECONDS * 1000;
      this.#log.info({ seconds: ms / 1000, data: command.param?.data }, 'sleeping');
      await sleep(ms, this.#signal);
      return;
    }
    const cmd = command as CommandResponse & { cmd: 'DESCRIBE' | 'MEASURE' | 'ADJUST' };
    const t0 = performance.now();
    const replyEvent = REPLY_EVENT[cmd.cmd];
    const controller = new AbortController();
    this.#command = controller;
    const progress: CommandProgress = { percent: 0, message: undefined, fromConnector: false };
    const started = performance.now();
    let expected: number | undefined; // read when the first report is due: most commands end before
    const timer =
      cmd.cmd === 'DESCRIBE'
        ? undefined
        : setInterval(() => {
            const runtime = (performance.now() - started) / 1000;
            expected ??= cmd.cmd === 'MEASURE' ? expectedSeconds(cmd) : 0;
            if (!progress.fromConnector && expected > 0) progress.percent = Math.min(100, (runtime / expected) * 100);
            void this.#reportProgress(replyEvent, cmdUid, progress, runtime, controller);
          }, this.#progressInterval());
    let reply: Reply;
    try {
      if (this.#signal.aborted) controller.abort('shutdown' satisfies StopCause);
      reply = await runCommand({ servo: this.#o.servo, command: cmd, signal: controller.signal, stopGraceMs: this.#o.stopGraceMs ?? 5000, progress });
    } finally {
      clearInterval(timer);
      this.#command = undefined;
    }
    this.stats.replies[reply.status] = (this.stats.replies[reply.status] ?? 0) + 1;
    this.#o.observer?.command(cmd.cmd, reply.status, (performance.now() - t0) / 1000);
    const level = reply.status === 'ok' ? 'info' : 'warn';
    this.#log[level]({ cmd: cmd.cmd, cmd_uid: cmdUid, status: reply.status, reason: reply.reason, message: reply.message }, `${replyEvent} ${reply.status}`);
    // A reply is posted even while stopping (an aborted command is reported), bounded by the request timeout.
    const signal = this.#signal.aborted ? AbortSignal.timeout(this.#o.client.settings.timeoutMs) : NEVER;
    await this.#ask(replyEvent, { ...reply, ...(cmdUid !== undefined ? { cmd_uid: cmdUid } : {}) }, this.#o.replyRetryMs ?? 10 * 60_000, signal);
  }

  async #reportProgress(event: ServoEvent, cmdUid: string | undefined, p: CommandProgress, runtime: number, controller: AbortController) {
    const param = {
      progress: round(p.percent),
      runtime: round(runtime),
      ...(cmdUid !== undefined ? { cmd_uid: cmdUid } : {}),
      ...(p.message ? { message: p.message } : {}),
    };
    try {
      const answer = await this.#o.client.post(event, param, controller.signal);
      if (answer.kind !== 'status') return;
      const { status, message, reason } = answer.status;
      if (status === 'cancel') {
        this.#log.warn({ cmd_uid: cmdUid, message, reason }, 'the optimizer cancelled the running command');
        controller.abort('cancel' satisfies StopCause);
      } else if (status === 'unexpected-event' || status === 'invalid') {
        this.#log.warn({ cmd_uid: cmdUid, status, message, reason }, 'the optimizer did not accept a progress report');
      }
    } catch (err) {
      if (err instanceof OptimizerUnauthorizedError) this.#log.error({ err: err.message }, 'progress report refused');
      else if (!controller.signal.aborted) this.#log.warn({ err: (err as Error).message }, 'progress report failed');
    }
  }

  /**
   * Posts a message with retries; `undefined` when it was not answered (logged).
   * @throws OptimizerUnauthorizedError
   */
  async #ask(event: ServoEvent, param: unknown, maxElapsedMs = 10 * 60_000, signal = this.#signal): Promise<OptimizerAnswer | undefined> {
    const backoff = this.#o.backoff ?? DEFAULT_BACKOFF;
    try {
      const answer = await retrying(() => this.#o.client.post(event, param, signal), {
        ...backoff,
        maxElapsedMs,
        signal,
        logger: this.#log,
        what: event,
      });
      if (answer.kind === 'status' && event !== 'WHATS_NEXT' && answer.status.status !== 'ok') {
        const { status, message, reason } = answer.status;
        this.#log.warn({ event, status, message, reason }, `the optimizer answered ${event} with "${status}"`);
      }
      this.#o.observer?.connected(true);
      return answer;
    } catch (err) {
      this.#o.observer?.apiError(event);
      this.#o.observer?.connected(false);
      if (err instanceof OptimizerUnauthorizedError) throw err;
      if (signal.aborted && !(err instanceof OptimizerRequestError && err.details.kind === 'status')) return undefined;
      const details: { status?: number | undefined; body?: string | undefined } = err instanceof OptimizerRequestError ? err.details : {};
      this.#log.error({ event, err: (err as Error).message, status: details.status, body: details.body }, `${event} was not accepted by the optimizer`);
      return undefined;
    }
  }

  /** Waits after a failed exchange: full jitter, growing with consecutive failures. */
  async #backoff(): Promise<void> {
    const { baseMs, capMs } = this.#o.backoff ?? DEFAULT_BACKOFF;
    const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(this.#failures++, 30));
    await sleep(Math.round(Math.random() * ceiling), this.#signal);
  }

  #progressInterval(): number {
    return Math.max(10, this.#o.client.settings.progressIntervalMs);
  }

  async #stop(reason: string): Promise<void> {
    this.#stopping.abort(reason);
    this.#command?.abort('shutdown' satisfies StopCause);
    if (this.#running) await this.#running.catch(() => {});
    if (this.#running) {
      this.#log.info({ reason }, 'saying goodbye to the optimizer');
      const bound = AbortSignal.timeout(this.#o.client.settings.timeoutMs);
      try {
        await this.#ask('GOODBYE', { reason }, this.#o.client.settings.timeoutMs, bound);
      } catch (err) {
        this.#log.error({ err: (err as Error).message }, 'GOODBYE was refused');
      }
    }
    await this.#o.client.close();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
