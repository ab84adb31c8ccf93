/**
 * Endpoint URLs: what may be printed, and the credentials they carry.
 * @module
 */

/**
 * A URL safe to print: the whole user info (`alice:pass@`, or a token alone
 * as in `ghp_xxx@`) and query values masked (they may be credentials).
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * The `Authorization: Basic` value for the user info of `url`, as curl and
 * browsers send it (`user:password`, percent-decoded, UTF-8; a user alone
 * gives `user:`); undefined when the URL has none.
 */
export function basicAuthorization(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (!u.username && !u.password) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return `Basic ${Buffer.from(`${decode(u.username)}:${decode(u.password)}`, 'utf8').toString('base64')}`;
}
