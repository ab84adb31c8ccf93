/**
 * Request headers a webhook's configuration may not set: the connector sets
 * them (content, identity, signatures), or HTTP/1.1 and HTTP/2 reserve them
 * for the connection, where the HTTP client would refuse every request.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
  'user-agent',
  'x-servo-event',
  'x-servo-delivery',
  'x-servo-signature',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
