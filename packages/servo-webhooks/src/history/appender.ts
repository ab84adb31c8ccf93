/**
 * Bytes appended to one growing buffer: how the sqlite history packs a row's
 * summaries, records and bodies before deflating them.
 * @module
 */

/** A growing buffer of lines and bytes. */
export class Appender {
  buf: Buffer;
  length = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Appends `text` (UTF-8) and a newline. */
  line(text: string): void {
    // At most 3 bytes per UTF-16 unit: no scan of the text to size it.
    this.room(text.length * 3 + 1);
    this.length += this.buf.write(text, this.length);
    this.buf[this.length++] = 10;
  }

  /** Appends `b`. */
  bytes(b: Uint8Array): void {
    this.room(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** What was appended (without the last newline of text). */
  view(text: boolean): Buffer {
    return this.buf.subarray(0, text && this.length > 0 ? this.length - 1 : this.length);
  }
}
