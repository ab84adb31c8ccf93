/**
 * The waiting line behind an endpoint's in-memory queue (memory store only).
 *
 * Why it exists: a delivery held as objects survives every young-generation
 * collection until it is sent, so a dead endpoint's backlog made every
 * collection of the process slower, and with it the healthy endpoints'
 * deliveries. Packed into large byte chunks, a waiting delivery is bytes the
 * collector never walks (measurements: bench/README.md, "V8 notes").
 *
 * Record layout, in order: u32 record length, f64 createdAt, f64 nextAttemptAt,
 * u32 attempts, u16 id length, u16 event length, u16 content-type length,
 * u32 body length, then the id, event and content type (UTF-8) and the body.
 * @module
 */
import type { Delivery } from '../types.js';

/** Bytes of one chunk; a record larger than this gets a chunk of its own size. */
const CHUNK_BYTES = 256 * 1024;
const HEADER_BYTES = 4 + 8 + 8 + 4 + 2 + 2 + 2 + 4;
const MAX_STRING_BYTES = 0xffff;

/** FNV-1a over the UTF-16 code units, cut to 30 bits: small integers, so the id index allocates nothing per entry. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x3fffffff;
}

/**
 * A FIFO of deliveries for one endpoint, packed into off-heap byte chunks.
 * `push` copies a delivery in; `shift` returns a new `Delivery` (with its own
 * body bytes) for the oldest one.
 */
export class Spool {
  private readonly chunks: Buffer[] = [];
  /** Bytes used in each chunk (a record that does not fit starts a new chunk). */
  private readonly used: number[] = [];
  /** Read offset in `chunks[0]`. */
  private readPos = 0;
  private count = 0;
  /** Id hash -> how many spooled ids have it: `get` scans only on a hit. */
  private readonly ids = new Map<number, number>();

  /** Deliveries waiting. */
  get length(): number {
    return this.count;
  }

  /** Appends a copy of `d`; `d` itself is not kept. */
  push(d: Delivery): void {
    const { id, event, contentType, body } = d;
    if (id.length > MAX_STRING_BYTES / 3 || event.length > MAX_STRING_BYTES / 3 || contentType.length > MAX_STRING_BYTES / 3) {
      // Rare: measure exactly rather than by the 3-bytes-a-unit bound.
      if (Buffer.byteLength(id) > MAX_STRING_BYTES || Buffer.byteLength(event) > MAX_STRING_BYTES || Buffer.byteLength(contentType) > MAX_STRING_BYTES) {
        throw new RangeError(`delivery ${id.slice(0, 64)}: id, event or content type longer than ${MAX_STRING_BYTES} bytes`);
      }
    }
    // Room for the worst case (3 UTF-8 bytes per UTF-16 unit); the exact size is known after writing.
    const room = HEADER_BYTES + 3 * (id.length + event.length + contentType.length) + body.byteLength;
    let tail = this.chunks.length - 1;
    let chunk = this.chunks[tail];
    if (chunk === undefined || chunk.length - this.used[tail]! < room) {
      chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, room));
      tail = this.chunks.push(chunk) - 1;
      this.used.push(0);
    }
    const at = this.used[tail]!;
    let o = at + HEADER_BYTES;
    const idLen = chunk.write(id, o, 'utf8');
    o += idLen;
    const eventLen = chunk.write(event, o, 'utf8');
    o += eventLen;
    const typeLen = chunk.write(contentType, o, 'utf8');
    o += typeLen;
    chunk.set(body, o);
    const size = o + body.byteLength - at;
    chunk.writeUInt32LE(size, at);
    chunk.writeDoubleLE(d.createdAt, at + 4);
    chunk.writeDoubleLE(d.nextAttemptAt, at + 12);
    chunk.writeUInt32LE(d.attempts, at + 20);
    chunk.writeUInt16LE(idLen, at + 24);
    chunk.writeUInt16LE(eventLen, at + 26);
    chunk.writeUInt16LE(typeLen, at + 28);
    chunk.writeUInt32LE(body.byteLength, at + 30);
    this.used[tail] = at + size;
    this.count++;
    const h = idHash(id);
    this.ids.set(h, (this.ids.get(h) ?? 0) + 1);
  }

  /** Removes and returns the oldest delivery (for `webhook`), or `undefined` when empty. */
  shift(webhook: string): Delivery | undefined {
    if (this.count === 0) return undefined;
    if (this.readPos >= this.used[0]!) {
      this.chunks.shift();
      this.used.shift();
      this.readPos = 0;
    }
    const { delivery, size } = this.decode(this.chunks[0]!, this.readPos, webhook);
    this.readPos += size;
    this.count--;
    if (this.count === 0) {
      this.chunks.length = 0;
      this.used.length = 0;
      this.readPos = 0;
    }
    const h = idHash(delivery.id);
    const n = this.ids.get(h)!;
    if (n > 1) this.ids.set(h, n - 1);
    else this.ids.delete(h);
    return delivery;
  }

  /** The waiting delivery with this id (a copy), if any. */
  get(id: string, webhook: string): Delivery | undefined {
    if (!this.ids.has(idHash(id))) return undefined;
    for (const d of this.values(webhook)) if (d.id === id) return d;
    return undefined;
  }

  /** Copies of the waiting deliveries, oldest first. */
  *values(webhook: string): IterableIterator<Delivery> {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      const end = this.used[c]!;
      for (let o = c === 0 ? this.readPos : 0; o < end; ) {
        const { delivery, size } = this.decode(chunk, o, webhook);
        o += size;
        yield delivery;
      }
    }
  }

  private decode(chunk: Buffer, at: number, webhook: string): { delivery: Delivery; size: number } {
    const size = chunk.readUInt32LE(at);
    const createdAt = chunk.readDoubleLE(at + 4);
    const nextAttemptAt = chunk.readDoubleLE(at + 12);
    const attempts = chunk.readUInt32LE(at + 20);
    const idLen = chunk.readUInt16LE(at + 24);
    const eventLen = chunk.readUInt16LE(at + 26);
    const typeLen = chunk.readUInt16LE(at + 28);
    const bodyLen = chunk.readUInt32LE(at + 30);
    let o = at + HEADER_BYTES;
    const id = chunk.toString('utf8', o, (o += idLen));
    const event = chunk.toString('utf8', o, (o += eventLen));
    const contentType = chunk.toString('utf8', o, (o += typeLen));
    // A copy: a view would keep the whole chunk alive for as long as the delivery lives.
    const body = new Uint8Array(bodyLen);
    body.set(chunk.subarray(o, o + bodyLen));
    return { delivery: { id, webhook, event, body, contentType, createdAt, attempts, nextAttemptAt }, size };
  }
}
