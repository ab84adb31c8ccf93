/**
 * Delivery ids (`msg_` + a ULID: sortable by creation time) and new deliveries.
 * @module
 */
import { randomFillSync } from 'node:crypto';
import type { Delivery, DeliveryInput } from './types.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const POOL_SIZE = 4096;
let pool: Uint8Array | undefined;
let offset = POOL_SIZE;
/** `msg_` + 26 characters, written in place and read out as one flat string. */
let scratch: Buffer | undefined;

/** Start offset of 10 random bytes in the pool: one `randomFillSync` per ~400 ids. */
function randomOffset(): number {
  if (offset + 10 > POOL_SIZE) {
    pool ??= new Uint8Array(POOL_SIZE);
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += 10;
  return at;
}

/**
 * A new message id: `msg_` + a 26-character ULID (48-bit ms time, 80 random
 * bits), sortable by creation time.
 *
 * Built in a byte buffer rather than by string concatenation: the result is
 * one flat string, which every later use (map keys, headers, signatures)
 * reads without first flattening a 27-piece rope.
 * @example
 * newMessageId(Date.now()); // 'msg_01J9Z3K8M4Q6W7E2R5T8Y1U3I0'
 */
export function newMessageId(nowMs: number): string {
  const out = (scratch ??= Buffer.from('msg_00000000000000000000000000', 'latin1'));
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 13; i >= 4; i--) {
    out[i] = CODES[t % 32]!;
    t = Math.floor(t / 32);
  }
  const at = randomOffset();
  const r = pool!;
  // 80 bits -> 16 base32 characters, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  let pos = 14;
  for (let i = at; i < at + 10; i++) {
    acc = (acc << 8) | r[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[pos++] = CODES[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out.toString('latin1', 0, 30);
}

/** A new pending delivery of `input`, created at `now` (its id is the caller's or a new one). */
export function newDelivery(input: DeliveryInput, now: number): Delivery {
  return {
    id: input.id ?? newMessageId(now),
    webhook: input.webhook,
    event: input.event,
    body: input.body,
    contentType: input.contentType,
    createdAt: now,
    attempts: 0,
    nextAttemptAt: now,
  };
}
