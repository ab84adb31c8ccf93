/**
 * Settings that work but that a careful operator wants to hear about, shown
 * by `servo check` as a warning per webhook: plain http:// to a host beyond
 * this machine, a fail-open gate, a timeout the deadline cuts short, a
 * secret under 16 bytes, a short `whsec_` key. Never the secret itself.
 * @module
 */
import { isIP } from 'node:net';
import { model } from 'servo-core';
import type { WebhookConfig } from './index.js';

/** Standard Webhooks asks for keys of 24 to 64 random bytes. */
const MIN_WHSEC_BYTES = 24;

/** True for `localhost`, 127.0.0.0/8 and ::1 (the request never leaves the machine). */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/** Shortest plain secret that passes without a warning, in bytes. */
const MIN_SECRET_BYTES = 16;

/** One sentence per warning about `w`, with the fix; empty when there is none. */
export function webhookWarnings(w: WebhookConfig): string[] {
  const out: string[] = [];
  const gate = w.events.some((e) => e.preposition === 'before');
  let url: URL | undefined;
  try {
    url = new URL(w.url);
  } catch {
    url = undefined;
  }
  if (url?.protocol === 'http:' && !isLoopback(url.hostname)) {
    out.push(
      `its signed requests go over plain http:// to ${url.hostname}: bodies, signatures and header values travel unencrypted and can be read or replayed on the way; use https://`,
    );
  }
  if (gate && w.failurePolicy === 'ignore') {
    out.push('it is a gate with failure_policy: ignore: when it cannot answer (down, slow, 5xx), events proceed unchecked; use fail unless that is intended');
  }
  if (gate && w.timeoutMs > w.deadlineMs) {
    const d = model.formatDuration;
    out.push(
      `timeout ${d(w.timeoutMs)} is longer than deadline ${d(w.deadlineMs)}: the deadline cuts an attempt short and leaves no time to retry; make timeout shorter than deadline`,
    );
  }
  w.secrets.forEach((secret, n) => {
    const bytes = Buffer.byteLength(secret);
    if (!secret.startsWith('whsec_') && bytes > 0 && bytes < MIN_SECRET_BYTES) {
      const which = w.secrets.length > 1 ? `secret ${n + 1}` : 'its secret';
      out.push(
        `${which} is ${bytes} byte${bytes === 1 ? '' : 's'}, shorter than ${MIN_SECRET_BYTES}: a short secret can be guessed; use a long random one (servo generate --defaults webhooks writes one)`,
      );
    }
  });
  w.secrets.forEach((secret, i) => {
    if (!secret.startsWith('whsec_')) return;
    const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
    if (bytes < MIN_WHSEC_BYTES) {
      const which = w.secrets.length > 1 ? `secret ${i + 1}: its` : 'its';
      out.push(
        `${which} whsec_ key is ${bytes} bytes, shorter than the ${MIN_WHSEC_BYTES} Standard Webhooks asks for; servo generate --defaults webhooks writes a new one`,
      );
    }
  });
  return out;
}
