import type { Readable } from 'node:stream';
import { Agent, envHttpProxyAgent, request as httpRequest, type Dispatcher, type HttpMethod } from './http.js';
import { OcipkgError } from '../../errors.js';
import { isLoopbackRegistry, registryApiHost, registryHost } from '../../spec/reference-parse.js';
import { parseChallenges } from './auth/challenge.js';
import { AuthSession } from './auth/session.js';
import { describeLookup, findCredentials, type Credentials } from './credentials.js';
import { httpError, readSmall } from './errors.js';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from './types.js';
import { proxyConfigured, proxyFor, proxyHost } from './proxy.js';

export interface TransportOptions {
  plainHttp?: boolean;
  /** Credentials to use instead of looking them up (login uses this). */
  credentials?: Credentials | null;
  retries?: number;
  /** Base delay of the exponential backoff, in ms. */
  backoffMs?: number;
  userAgent?: string;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/** Certificates that fail verification for want of a trusted issuer, with what to call the reason (Node's own text varies by version). */
const UNTRUSTED: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer certificate not found',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer certificate not found locally',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
};
const TLS_HINT = 'for a registry or proxy with a private CA, name its PEM file in NODE_EXTRA_CA_CERTS';

/** A TLS verification failure, said in terms of what is wrong with the host's certificate. */
function tlsProblem(code: string | undefined, host: string): { problem: string; hint?: string } | undefined {
  if (!code) return undefined;
  if (Object.hasOwn(UNTRUSTED, code)) return { problem: `the certificate of ${host} is not trusted (${UNTRUSTED[code]})`, hint: TLS_HINT };
  if (code === 'CERT_HAS_EXPIRED') return { problem: `the certificate of ${host} has expired` };
  if (code === 'CERT_NOT_YET_VALID') return { problem: `the certificate of ${host} is not valid yet` };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { problem: `the certificate presented for ${host} does not name it` };
  return undefined;
}


/**
 * How long a connection may stay silent: connecting, waiting for response headers, and between
 * two pieces of a body. `OCIPKG_TIMEOUT=SECONDS` sets all three (slow proxies, or tests).
 */
export function timeouts(env = process.env): { connectTimeout: number; headersTimeout: number; bodyTimeout: number } {
  const raw = env.OCIPKG_TIMEOUT;
  if (raw === undefined || raw === '') return { connectTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 120_000 };
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new OcipkgError('E_CONFIG', `OCIPKG_TIMEOUT: ${JSON.stringify(raw)} is not a positive number of seconds`);
  const ms = Math.round(secs * 1000);
  return { connectTimeout: ms, headersTimeout: ms, bodyTimeout: ms };
}

let shared: Dispatcher | undefined;
/** One connection pool for the process; proxies from the environment (NO_PROXY honoured). */
export function dispatcher(): Dispatcher {
  if (!shared) {
    const t = timeouts();
    shared = proxyConfigured() ? envHttpProxyAgent({ ...t }) : new Agent({ connect: { timeout: t.connectTimeout }, headersTimeout: t.headersTimeout, bodyTimeout: t.bodyTimeout });
  }
  return shared;
}

export function usesPlainHttp(registry: string, plainHttp = false, env = process.env): boolean {
  if (plainHttp || isLoopbackRegistry(registry)) return true;
  const insecure = (env.OCIPKG_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return insecure.includes(registry.toLowerCase()) || insecure.includes(registryHost(registry));
}

function debug(line: string): void {
  if (process.env.OCIPKG_DEBUG === '1') process.stderr.write(`ocipkg: http ${line}\n`);
}

/** Query parameters of the distribution API, safe to print; every other value is hidden. */
const PLAIN_PARAMS = new Set(['digest', 'mount', 'from', 'n', 'last', 'artifactType', 'scope', 'service']);

/**
 * A URL as the HTTP trace prints it: no user info, and query values hidden except the API's own
 * (a redirect to blob storage carries its signature and session token in the query).
 */
export function traceUrl(url: URL): string {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  for (const key of [...new Set(u.searchParams.keys())]) {
    if (!PLAIN_PARAMS.has(key)) u.searchParams.set(key, '***');
  }
  return u.href.replace(/%2A%2A%2A/g, '***');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retry-After as seconds or an HTTP date; capped so a hostile server cannot park us. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 30_000) : undefined;
}

export function createTransport(registry: string, opts: TransportOptions = {}): RegistryTransport {
  const baseUrl = `${usesPlainHttp(registry, opts.plainHttp) ? 'http' : 'https'}://${registryApiHost(registry)}`;
  const origin = new URL(baseUrl).origin;
  const retries = opts.retries ?? 4;
  const backoff = opts.backoffMs ?? 200;
  const userAgent = opts.userAgent ?? 'ocipkg-node';

  /** One HTTP exchange, no auth logic, retried on network errors and retryable statuses. */
  async function send(method: string, url: URL, headers: Record<string, string>, body: RegistryRequest['body'], what: string): Promise<RegistryResponse> {
    let replayed = false;
    for (let attempt = 0; ; attempt++) {
      let payload: Buffer | string | Readable | undefined;
      if (typeof body === 'function') {
        if (replayed) throw new OcipkgError('E_NETWORK', `${what}: the upload to ${registry} failed and its body cannot be sent again`, { retryable: true });
        payload = body();
        replayed = true;
      } else payload = body;
      debug(`> ${method} ${traceUrl(url)}`);
      try {
        const res = await httpRequest(dispatcher(), { origin: url.origin, path: url.pathname + url.search, method: method as HttpMethod, headers: { 'user-agent': userAgent, ...headers }, body: payload ?? null });
        debug(`< ${res.statusCode} ${method} ${url.pathname}`);
        if (RETRY_STATUS.has(res.statusCode) && attempt < retries && typeof body !== 'function') {
          const wait = retryAfterMs(res.headers['retry-after']) ?? Math.random() * backoff * 2 ** attempt;
          res.body.resume();
          await sleep(wait);
          continue;
        }
        return { status: res.statusCode, headers: res.headers, body: res.body, url: url.href };
      } catch (err) {
        if (err instanceof OcipkgError) throw err;
        const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
        if (code && NETWORK_CODES.has(code)) {
          if (attempt < retries && typeof body !== 'function') {
            await sleep(Math.random() * backoff * 2 ** attempt);
            continue;
          }
          const proxy = proxyFor(url);
          throw new OcipkgError('E_NETWORK', `network error talking to ${url.host} (${code})${proxy ? ` via proxy ${proxyHost(proxy)}` : ''} (${what})`, { cause: err, retryable: typeof body === 'function' });
        }
        const tls = tlsProblem(code, url.hostname);
        if (tls) throw new OcipkgError('E_NETWORK', `TLS: ${tls.problem}${tls.hint ? `; ${tls.hint}` : ''} (${what})`, { cause: err });
        throw new OcipkgError('E_NETWORK', `${url.host}: ${(err as Error).message} (${what})`, { cause: err });
      }
    }
  }

  const auth = new AuthSession(
    registry,
    async () => (opts.credentials === null ? undefined : (opts.credentials ?? (await findCredentials(registry)))),
    async (url, init) => {
      const res = await send(init.method, url, { accept: 'application/json', ...init.headers }, init.body, 'an auth token');
      const text = await readSmall(res.body, 1 << 20);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json };
    },
  );

  async function request(req: RegistryRequest): Promise<RegistryResponse> {
    const what = req.what ?? `${req.method} ${req.url}`;
    let url = new URL(req.url, baseUrl);
    const expect = req.expect;
    const ok = (s: number) => (expect ? expect.includes(s) : s >= 200 && s < 300);
    let challenged = false;
    for (let hops = 0; ; ) {
      const headers: Record<string, string> = { ...req.headers };
      // Credentials go to the registry's own origin only, never to a redirect target elsewhere.
      if (url.origin === origin) {
        const h = await auth.header(req.scopes);
        if (h) headers.authorization = h;
      }
      const res = await send(req.method, url, headers, req.body, what);
      if (res.status === 401 && url.origin === origin && !challenged) {
        const challenges = parseChallenges(res.headers['www-authenticate']);
        res.body.resume();
        challenged = true;
        if (await auth.challenged(challenges, req.scopes, headers.authorization)) continue;
        throw await authError(res, what);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.location && (req.followRedirects ?? true) && (req.method === 'GET' || req.method === 'HEAD')) {
        if (++hops > 10) throw new OcipkgError('E_REGISTRY', `${what}: too many redirects`);
        res.body.resume();
        url = new URL(String(res.headers.location), url);
        continue;
      }
      if (ok(res.status)) return res;
      if (res.status === 401 || res.status === 403) throw await authError(res, what);
      const failed = httpError(res.status, req.method === 'HEAD' ? '' : await readSmall(res.body), what);
      // A streamed body was sent once and not retried here (see send); its sender may make it again.
      if (typeof req.body === 'function' && RETRY_STATUS.has(res.status)) throw failed.asRetryable();
      throw failed;
    }
  }

  async function authError(res: RegistryResponse, what: string): Promise<OcipkgError> {
    const text = await readSmall(res.body);
    const c = await auth.creds();
    const where = c ? ` with the stored credentials from ${c.from ?? 'the caller'}` : ` (no credentials for ${registry} in ${describeLookup()}; ocipkg login ${registry} stores them)`;
    return httpError(res.status, text, what, where);
  }

  return {
    registry,
    baseUrl,
    request,
    close: async () => {},
  };
}

/** Drain and discard a response body we do not need. */
export function discard(res: RegistryResponse): void {
  res.body.resume();
}

