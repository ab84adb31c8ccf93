/**
 * Every message the fake optimizer receives, with its answer: kept in memory
 * and, with a file, appended to it as one JSON line each (written before the
 * answer is sent, so the file is complete whenever the servo sees an answer).
 * Request headers are not recorded: the Authorization header carries the token.
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** One message received and what it was answered. */
export interface FakeRecord {
  /** 1-based arrival number. */
  readonly seq: number;
  /** Arrival time, ISO 8601. */
  readonly at: string;
  /** Arrival time on the monotonic clock (`performance.now()`, ms): for intervals. */
  readonly t: number;
  /** The request's `event` (undefined when the body was not an envelope). */
  readonly event: string | undefined;
  /** The parsed JSON body; `raw` holds the text when it was not JSON. */
  readonly message: unknown;
  readonly raw?: string;
  /** The HTTP status answered and the answer's body. */
  readonly http: number;
  readonly answer: unknown;
}

/** Keeps records in memory (unless told not to) and appends them to a JSONL file. */
export class Recorder {
  readonly records: FakeRecord[] = [];
  readonly #fd: number | undefined;
  readonly #keep: boolean;
  #seq = 0;

  /** @param file JSONL file, truncated at start; @param keep whether to hold records in memory too. */
  constructor(file: string | undefined, keep = true) {
    this.#fd = file === undefined ? undefined : openSync(file, 'w');
    this.#keep = keep;
  }

  /** Records one message; returns the record. */
  add(fields: Omit<FakeRecord, 'seq' | 'at' | 't'>): FakeRecord {
    const record: FakeRecord = { seq: ++this.#seq, at: new Date().toISOString(), t: performance.now(), ...fields };
    if (this.#keep) this.records.push(record);
    if (this.#fd !== undefined) writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    return record;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}
