/**
 * The proxy a request to `url` goes through under HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lower
 * case first), decided as undici's EnvHttpProxyAgent decides it, so errors can name it: HTTPS
 * uses HTTPS_PROXY, else HTTP_PROXY; NO_PROXY lists hosts (optionally `host:port`, a leading
 * `.` or `*.` for subdomains) or is `*` for none.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const proxy = url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY ?? http) : http;
  if (!proxy) return undefined;
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  if (noProxy === '*') return undefined;
  const host = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || (url.protocol === 'https:' ? 443 : 80);
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const m = /^(.+):(\d+)$/.exec(entry);
    const name = (m ? m[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    if (m && Number(m[2]) !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}

/** Is any proxy configured at all (then requests go through undici's proxy agent)? */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY);
}

/** A proxy's `host:port` for messages: never its credentials (`http://user:pass@proxy:3128`). */
export function proxyHost(proxy: string): string {
  for (const candidate of [proxy, `http://${proxy}`]) {
    try {
      return new URL(candidate).host;
    } catch {
      // not a URL as written; try with a scheme
    }
  }
  return 'the configured proxy';
}
