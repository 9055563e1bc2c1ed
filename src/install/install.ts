import { join, resolve as resolvePath } from 'node:path';
import { copy } from '../copy.js';
import { cacheDir, CacheStore } from '../content/cache/store.js';
import { touchRecord } from '../content/cache/records.js';
import { ensureTree } from '../content/cache/trees.js';
import type { ReadableStore } from '../content/store.js';
import { OcipkgError } from '../errors.js';
import { writeCmakeConfig } from '../link/cmake.js';
import { copyRuntime } from '../link/copy.js';
import { artifactMeta, cmakePrefix, linkInfo, readManifest } from '../link/info.js';
import { targetPlatform } from '../platform/host.js';
import { platformKey } from './platform-key.js';
import type { Descriptor, Manifest, Platform } from '../spec/types.js';
import { readPackageConfig, type Dependency } from './config.js';
import { formatBytes } from '../cli/progress.js';
import { emptyLockfile, encodeLockfile, isCurrent, LOCKFILE, readLockfile, writeLockfile, type LockEntry, type Lockfile } from './lockfile.js';
import { openDependency, resolveDependency, resolvePinned, type Resolution } from './resolve.js';

export interface InstallOptions {
  /** Fail instead of changing ocipkg-lock.json. */
  frozen?: boolean;
  /** Lockfile and cache only: no registry. Default from OCIPKG_OFFLINE. */
  offline?: boolean;
  platform?: Platform;
  plainHttp?: boolean;
  /** Install only these dependencies (by name). */
  only?: string[];
  /** Apply `copyTo` (default true). */
  copy?: boolean;
  /** Check the cached blobs of each dependency before trusting them (default true): re-hashed unless unchanged since last verified. */
  verify?: boolean;
  /** One line per artifact. */
  log?: (line: string) => void;
  /** Told of every chunk downloaded (progress display). */
  onBytes?: (n: number) => void;
}

export interface Installed {
  name: string;
  dependency: Dependency;
  platform: Platform;
  /** `os/arch[/variant][+musl]`: the key in the lockfile's `platforms`. */
  platformKey: string;
  tag?: string;
  digest?: string;
  manifest: Descriptor;
  /** The unpacked artifact (read-only, in the cache). */
  prefix: string;
  cmakePrefix: string;
  downloaded: number;
  copied: string[];
}

export { platformKey };

export function isOffline(opts: { offline?: boolean }, env = process.env): boolean {
  return opts.offline ?? (env.OCIPKG_OFFLINE === '1' || env.OCIPKG_OFFLINE === 'true');
}


/**
 * The manifest when everything it needs is in the cache and sound, else undefined. Corrupt
 * blobs are removed (and so fetched again).
 */
async function cached(cache: CacheStore, desc: Descriptor, verify: boolean): Promise<Manifest | undefined> {
  if (!(await cache.exists(desc))) return undefined;
  let manifest: Manifest;
  try {
    manifest = await readManifest(cache, desc);
  } catch {
    await cache.verifyBlob(desc);
    return undefined;
  }
  let ok = true;
  for (const d of [manifest.config, ...manifest.layers]) {
    if (!(await cache.exists(d)) || (verify && !(await cache.trustBlob(d)))) ok = false;
  }
  return ok ? manifest : undefined;
}

/**
 * `ocipkg install`: every dependency in package.json's `ocipkg` field resolved (from the
 * lockfile when it is current), pulled into the per-user cache (blobs verified, one download
 * shared by concurrent processes), unpacked once (read-only), with its CMake config generated
 * and its shared libraries copied to `copyTo`; then ocipkg-lock.json is written.
 */
export async function install(dir: string, opts: InstallOptions = {}): Promise<Installed[]> {
  const cfg = await readPackageConfig(dir);
  const deps = opts.only?.length ? cfg.dependencies.filter((d) => opts.only!.includes(d.name)) : cfg.dependencies;
  for (const n of opts.only ?? []) {
    if (!cfg.dependencies.some((d) => d.name === n)) throw new OcipkgError('E_USAGE', `${cfg.file}: no ocipkg dependency named ${JSON.stringify(n)} (declared: ${cfg.dependencies.map((d) => d.name).join(', ')})`);
  }
  const lock = (await readLockfile(dir)) ?? emptyLockfile();
  const before = encodeLockfile(lock);
  const platform = opts.platform ?? targetPlatform();
  const key = platformKey(platform);
  const offline = isOffline(opts);
  const cache = new CacheStore(cacheDir());
  await cache.init();
  if (opts.onBytes) cache.onBytes = opts.onBytes;
  const log = opts.log ?? (() => {});

  const one = async (dep: Dependency): Promise<[Installed, LockEntry]> => {
    const entry = lock.dependencies[dep.name];
    const current = isCurrent(entry, dep);
    let src: ReadableStore | undefined;
    const source = async (why: string): Promise<ReadableStore> => {
      if (offline) throw new OcipkgError('E_OFFLINE', `${dep.name}: ${why}, and installs are offline (OCIPKG_OFFLINE/--offline)`);
      return (src ??= await openDependency(dep, dir, opts.plainHttp));
    };
    try {
      let res: Resolution;
      const pinned = current ? entry.platforms[key] : undefined;
      if (pinned) {
        const manifest = (await cache.resolve(pinned).catch(() => undefined)) ?? (await (await source(`${pinned} is not in the cache`)).resolve(pinned));
        res = { ...(entry!.tag ? { tag: entry!.tag } : {}), ...(entry!.digest ? { digest: entry!.digest } : {}), manifest };
      } else if (current) {
        if (opts.frozen) throw new OcipkgError('E_FROZEN', `${LOCKFILE}: ${dep.name} pins no build for ${key} (--frozen)`);
        res = await resolvePinned(dep, entry!, await source(`${key} is not installed yet`), platform);
      } else {
        if (opts.frozen) {
          throw new OcipkgError('E_FROZEN', entry ? `${LOCKFILE}: ${dep.name} was locked for ${JSON.stringify(entry.version ?? entry.image)}, package.json now asks for ${JSON.stringify(dep.version ?? dep.image)} (--frozen)` : `${LOCKFILE}: ${dep.name} is not locked (--frozen)`);
        }
        res = await resolveDependency(dep, await source(`${dep.name} is not in ${LOCKFILE}`), platform);
      }
      let downloaded = 0;
      let manifest = await cached(cache, res.manifest, opts.verify ?? true);
      if (!manifest) {
        const s = await source(`${res.manifest.digest} is not (or not wholly) in the cache`);
        downloaded = (await copy(s, res.manifest.digest, cache, undefined)).bytes;
        manifest = await readManifest(cache, res.manifest);
      }
      const { path: prefix } = await ensureTree(cache, res.manifest);
      const meta = artifactMeta(manifest, res.tag);
      const info = await linkInfo(prefix, platform.os, meta, dep.libraries, `${dep.where}.libraries`);
      const cmake = cmakePrefix(cache.root, dep.name, res.manifest.digest);
      const reference = `${dep.image}${res.tag && !dep.reference.tag && !dep.tagTemplate ? `:${res.tag}` : ''}`;
      await writeCmakeConfig(cmake, dep.name, info, { ...(meta.version ? { version: meta.version } : {}), reference, manifest: res.manifest.digest });
      const copied: string[] = [];
      if (opts.copy !== false) for (const to of dep.copyTo) copied.push(...(await copyRuntime(info, resolvePath(dir, to))));
      const blobs = [manifest.config, ...manifest.layers].map((d) => ({ digest: d.digest, size: d.size }));
      await touchRecord(cache.root, { reference, ...(res.digest ? { root: res.digest } : {}), manifest: res.manifest.digest, blobs: [{ digest: res.manifest.digest, size: res.manifest.size }, ...blobs], lockfile: join(dir, LOCKFILE) });
      const total = blobs.reduce((n, b) => n + b.size, res.manifest.size);
      log(`${dep.name}: ${reference} → ${res.manifest.digest.slice(0, 19)} ${key} (${downloaded ? `downloaded ${formatBytes(downloaded)}` : 'from cache'}, ${formatBytes(total)})`);
      const installed: Installed = { name: dep.name, dependency: dep, platform, platformKey: key, ...(res.tag ? { tag: res.tag } : {}), ...(res.digest ? { digest: res.digest } : {}), manifest: res.manifest, prefix, cmakePrefix: cmake, downloaded, copied };
      const newEntry: LockEntry = {
        image: dep.image,
        ...(dep.version !== undefined ? { version: dep.version } : {}),
        ...(dep.tagTemplate !== undefined ? { tagTemplate: dep.tagTemplate } : {}),
        ...(res.tag ? { tag: res.tag } : {}),
        ...(res.digest ? { digest: res.digest } : {}),
        platforms: { ...(current ? entry!.platforms : {}), ...res.platforms, [key]: res.manifest.digest },
      };
      return [installed, newEntry];
    } finally {
      await src?.close();
    }
  };

  const settled = await Promise.allSettled(deps.map(one));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const results = settled.map((s) => (s as PromiseFulfilledResult<[Installed, LockEntry]>).value);

  const next: Lockfile = { lockfileVersion: 1, dependencies: opts.only?.length ? { ...lock.dependencies } : {} };
  for (const [i, e] of results) next.dependencies[i.name] = e;
  const after = encodeLockfile(next);
  if (after !== before) {
    if (opts.frozen) {
      const gone = Object.keys(lock.dependencies).filter((n) => !next.dependencies[n]);
      if (gone.length) throw new OcipkgError('E_FROZEN', `${LOCKFILE}: locks ${gone.join(', ')}, which package.json no longer declares (--frozen)`);
    } else await writeLockfile(dir, next);
  }
  return results.map(([i]) => i);
}

