import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OcipkgError } from '../../errors.js';

/**
 * Registry credentials from where docker, podman and skopeo keep them: REGISTRY_AUTH_FILE when
 * set (an explicit choice wins, as in podman and skopeo), then $DOCKER_CONFIG/config.json
 * (credHelpers, credsStore, auths; where `ocipkg login` writes), then the containers auth.json
 * files podman's login writes ($XDG_RUNTIME_DIR, then $XDG_CONFIG_HOME or ~/.config).
 */
/** A user and password, or an identity (refresh) token; `from` says where they were found, for messages. */
export type Credentials = ({ username: string; password: string } | { identityToken: string; username?: string }) & { from?: string };

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; [k: string]: unknown }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export function dockerConfigPath(env = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** The containers auth.json files podman's login writes, in the order podman reads them. */
export function containersAuthFiles(env = process.env): string[] {
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  out.push(join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'containers', 'auth.json'));
  return out;
}

/** Every file credentials are looked for in, in order (the docker config's helpers aside). */
export function lookupFiles(env = process.env): string[] {
  return [...(env.REGISTRY_AUTH_FILE ? [env.REGISTRY_AUTH_FILE] : []), dockerConfigPath(env), ...containersAuthFiles(env)];
}

/** Where credentials are looked for, for error messages. */
export function describeLookup(env = process.env): string {
  return lookupFiles(env).join(', ');
}

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OcipkgError('E_CONFIG', `${path}: cannot read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new OcipkgError('E_CONFIG', `${path}: not valid JSON`);
  }
}

const HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'];

/**
 * The key docker itself stores a registry's credentials under (in `auths` and as a credential
 * helper's ServerURL): Docker Hub's is `https://index.docker.io/v1/`, any other is its host.
 */
export function storeKey(registry: string): string {
  return HUB.includes(registry) ? 'https://index.docker.io/v1/' : registry;
}

/** The keys a registry may be stored under in an auths map. */
export function authKeys(registry: string): string[] {
  const hosts = HUB.includes(registry) ? HUB : [registry];
  const keys: string[] = [];
  for (const h of hosts) keys.push(h, `https://${h}`, `http://${h}`, `https://${h}/v1/`, `https://${h}/v2/`);
  return [...new Set(keys)];
}

function findAuth(config: DockerConfig | undefined, registry: string): Credentials | undefined {
  const auths = config?.auths;
  if (!auths) return undefined;
  const wanted = authKeys(registry);
  const key = Object.keys(auths).find((k) => wanted.includes(k) || wanted.includes(k.replace(/\/+$/, '')));
  if (!key) return undefined;
  const entry = auths[key]!;
  if (entry.identitytoken) return { identityToken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}) };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Run `docker-credential-NAME ACTION` with `input` on stdin; resolves stdout. */
export function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', (e) =>
      reject(new OcipkgError('E_CONFIG', `credential helper docker-credential-${name} could not run (${(e as NodeJS.ErrnoException).code ?? e.message})`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(Object.assign(new OcipkgError('E_AUTH', `credential helper docker-credential-${name} ${action} failed: ${(out || err).trim().slice(0, 200)}`), { helperOutput: out }));
    });
    child.stdin.end(input);
  });
}

async function fromHelper(name: string, registry: string): Promise<Credentials | undefined> {
  for (const key of new Set([storeKey(registry), registry])) {
    try {
      const out = await runHelper(name, 'get', key);
      let parsed: { Username?: string; Secret?: string };
      try {
        parsed = JSON.parse(out) as { Username?: string; Secret?: string };
      } catch {
        // Never quote the output: it may be the secret itself.
        throw new OcipkgError('E_CONFIG', `credential helper docker-credential-${name} get answered with something that is not JSON`);
      }
      if (!parsed.Secret) continue;
      if (parsed.Username === '<token>') return { identityToken: parsed.Secret };
      return { username: parsed.Username ?? '', password: parsed.Secret };
    } catch (err) {
      // "credentials not found" is the helper's way to say nothing is stored
      if (err instanceof OcipkgError && err.code === 'E_AUTH' && /not found/i.test(err.message)) continue;
      throw err;
    }
  }
  return undefined;
}

export function helperFor(config: DockerConfig | undefined, registry: string): string | undefined {
  const hosts = HUB.includes(registry) ? HUB : [registry];
  for (const h of hosts) if (config?.credHelpers?.[h]) return config.credHelpers[h];
  return config?.credsStore || undefined;
}

export async function findCredentials(registry: string, env = process.env): Promise<Credentials | undefined> {
  if (env.REGISTRY_AUTH_FILE) {
    const c = findAuth(await readJsonFile<DockerConfig>(env.REGISTRY_AUTH_FILE), registry);
    if (c) return { ...c, from: env.REGISTRY_AUTH_FILE };
  }
  const config = await readJsonFile<DockerConfig>(dockerConfigPath(env));
  const helper = helperFor(config, registry);
  if (helper) {
    const c = await fromHelper(helper, registry);
    if (c) return { ...c, from: `docker-credential-${helper}` };
  }
  const direct = findAuth(config, registry);
  if (direct) return { ...direct, from: dockerConfigPath(env) };
  for (const path of containersAuthFiles(env)) {
    const c = findAuth(await readJsonFile<DockerConfig>(path), registry);
    if (c) return { ...c, from: path };
  }
  return undefined;
}
