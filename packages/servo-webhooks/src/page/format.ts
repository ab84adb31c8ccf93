/**
 * How the deliveries page writes times, latencies and bodies. The page's
 * script (assets/deliveries.js) writes the rows it adds the same way.
 * @module
 */

/** `2026-12-01 04:31:53` (UTC), or an em dash when there is no time. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `12 ms`, `1.5 s`. */
export function formatLatency(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `532 B`, `12.5 kB`. */
export function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A body as text to show: decoded as UTF-8, and indented when it is JSON
 * (a body that does not parse is shown as it came).
 */
export function bodyText(body: Uint8Array | string, contentType: string | undefined): string {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  if (!contentType || !/json/i.test(contentType)) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
