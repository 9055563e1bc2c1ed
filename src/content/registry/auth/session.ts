import { OcipkgError } from '../../../errors.js';
import { describeLookup, type Credentials } from '../credentials.js';
import type { Scope } from '../types.js';
import type { Challenge } from './challenge.js';

/**
 * What a transport knows about authenticating to one registry: the scheme its challenge
 * asked for, and bearer tokens cached per scope set until they expire. Tokens are sent
 * up front once known, so only the first request of a scope sees a 401.
 */
export type TokenFetcher = (url: URL, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }) => Promise<{ status: number; json: unknown }>;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export function scopeStrings(scopes: Scope[]): string[] {
  return scopes.map((s) => `repository:${s.repository}:${[...new Set(s.actions)].sort().reverse().join(',')}`);
}

function basic(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export class AuthSession {
  private scheme: 'basic' | 'bearer' | undefined;
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests under way, so concurrent 401s for one scope set share one request. */
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private credentials: Promise<Credentials | undefined> | undefined;

  constructor(
    private readonly registry: string,
    private readonly loadCredentials: () => Promise<Credentials | undefined>,
    private readonly fetchToken: TokenFetcher,
  ) {}

  creds(): Promise<Credentials | undefined> {
    this.credentials ??= this.loadCredentials();
    return this.credentials;
  }

  /** A refusal, said with where the credentials sent came from, or where none were found. */
  async refusal(access: string): Promise<string> {
    const c = await this.creds();
    if (c) return `unauthorized: ${this.registry} refused the credentials from ${c.from ?? 'the caller'} for ${access}`;
    return `unauthorized: ${this.registry} requires credentials for ${access}; there are none for ${this.registry} in ${describeLookup()} (ocipkg login ${this.registry} stores them)`;
  }

  /** The Authorization header to send for `scopes`, when known without a round trip. */
  async header(scopes: Scope[]): Promise<string | undefined> {
    if (this.scheme === 'basic') {
      const c = await this.creds();
      return c && 'password' in c ? basic(c) : undefined;
    }
    if (this.scheme === 'bearer') {
      const t = this.tokens.get(scopeStrings(scopes).join(' '));
      if (t && t.expiresAt > Date.now() + 5_000) return `Bearer ${t.token}`;
    }
    return undefined;
  }

  /**
   * React to a 401: learn the scheme and, for bearer, get a token for `scopes`. Returns false
   * when retrying cannot help (no usable challenge, or basic auth with no credentials).
   */
  async challenged(challenges: Challenge[], scopes: Scope[], sent?: string): Promise<boolean> {
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) {
      this.scheme = 'bearer';
      this.bearer = { realm: bearer.params.realm!, ...(bearer.params.service ? { service: bearer.params.service } : {}) };
      const key = scopeStrings(scopes).join(' ');
      const cached = this.tokens.get(key);
      // Another request already got a fresh token while this one was out: use it.
      if (cached && `Bearer ${cached.token}` !== sent && cached.expiresAt > Date.now() + 5_000) return true;
      let p = this.pending.get(key);
      if (!p) {
        p = this.requestToken(scopes).finally(() => this.pending.delete(key));
        this.pending.set(key, p);
      }
      this.tokens.set(key, await p);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const c = await this.creds();
      if (!c || !('password' in c)) return false;
      this.scheme = 'basic';
      return true;
    }
    return false;
  }

  private async requestToken(scopes: Scope[]): Promise<CachedToken> {
    const { realm, service } = this.bearer!;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new OcipkgError('E_REGISTRY', `${this.registry}: the auth challenge names an invalid realm ${JSON.stringify(realm)}`);
    }
    const scope = scopeStrings(scopes);
    const c = await this.creds();
    let res;
    if (c && 'identityToken' in c) {
      // OAuth2 refresh-token grant (docker's identity tokens)
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, client_id: 'ocipkg' });
      if (service) form.set('service', service);
      if (scope.length) form.set('scope', scope.join(' '));
      res = await this.fetchToken(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scope) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (c && 'password' in c) headers.authorization = basic(c);
      res = await this.fetchToken(url, { method: 'GET', headers });
    }
    if (res.status === 401 || res.status === 403) {
      throw new OcipkgError('E_AUTH', await this.refusal(scope.join(' ') || 'access'));
    }
    if (res.status !== 200) throw new OcipkgError('E_REGISTRY', `${this.registry}: token request to ${url.host} failed with HTTP ${res.status}`);
    const body = res.json as { token?: string; access_token?: string; expires_in?: number };
    const token = body?.token ?? body?.access_token;
    if (typeof token !== 'string' || !token) throw new OcipkgError('E_REGISTRY', `${this.registry}: the token service at ${url.host} returned no token`);
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { token, expiresAt: Date.now() + ttl * 1000 };
  }
}
