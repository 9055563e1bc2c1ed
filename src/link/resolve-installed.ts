import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir, CacheStore } from '../content/cache/store.js';
import { treePath } from '../content/cache/trees.js';
import { OcipkgError } from '../errors.js';
import { readPackageConfig, type Dependency } from '../install/config.js';
import type { InstallOptions } from '../install/install.js';
import { platformKey } from '../install/platform-key.js';
import { isCurrent, readLockfile } from '../install/lockfile.js';
import type { Platform } from '../spec/types.js';
import { artifactMeta, cmakePrefix, linkInfo, readManifest } from './info.js';
import type { LinkInfo } from './scan.js';

/** The nearest directory at or above `start` whose package.json has an `ocipkg` field. */
export async function findPackageDir(start: string): Promise<string> {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { ocipkg?: unknown };
      if (pkg.ocipkg !== undefined) return dir;
    } catch {
      /* no or unreadable package.json here: go up */
    }
    if (dirname(dir) === dir) throw new OcipkgError('E_CONFIG', `no package.json with an "ocipkg" field in ${start} or above`);
  }
}

export interface Ready {
  dependency: Dependency;
  prefix: string;
  cmakePrefix: string;
  info: LinkInfo;
}

/**
 * The installed dependency `name` (or the only one) for `platform`: straight from the lockfile
 * and the cache when both are there (no network, no re-hash: this runs several times per
 * build), else installed now, as build.rs does, so `node-gyp rebuild` alone works.
 */
export async function ready(dir: string, name: string | undefined, platform: Platform, opts: Pick<InstallOptions, 'log' | 'offline'> = {}): Promise<Ready> {
  const cfg = await readPackageConfig(dir);
  let dep: Dependency | undefined;
  if (name === undefined) {
    if (cfg.dependencies.length > 1) throw new OcipkgError('E_USAGE', `${cfg.file} declares several ocipkg dependencies; name one (${cfg.dependencies.map((d) => d.name).join(', ')})`);
    dep = cfg.dependencies[0];
  } else dep = cfg.dependencies.find((d) => d.name === name);
  if (!dep) throw new OcipkgError('E_USAGE', `${cfg.file}: no ocipkg dependency named ${JSON.stringify(name)} (declared: ${cfg.dependencies.map((d) => d.name).join(', ')})`);
  const cache = new CacheStore(cacheDir());
  const entry = (await readLockfile(dir))?.dependencies[dep.name];
  const key = platformKey(platform);
  const pinned = isCurrent(entry, dep) ? entry!.platforms[key] : undefined;
  let manifestDigest = pinned;
  let tag = entry?.tag;
  if (!pinned || !(await stat(treePath(cache.root, pinned)).catch(() => undefined)) || !(await stat(cmakePrefix(cache.root, dep.name, pinned)).catch(() => undefined))) {
    const { install } = await import('../install/install.js');
    const [got] = await install(dir, { ...opts, only: [dep.name], platform, copy: false });
    manifestDigest = got!.manifest.digest;
    tag = got!.tag;
  }
  const manifest = await cache.resolve(manifestDigest!);
  const prefix = treePath(cache.root, manifest.digest);
  const meta = artifactMeta(await readManifest(cache, manifest), tag);
  const info = await linkInfo(prefix, platform.os, meta, dep.libraries, `${dep.where}.libraries`);
  return { dependency: dep, prefix, cmakePrefix: cmakePrefix(cache.root, dep.name, manifest.digest), info };
}
