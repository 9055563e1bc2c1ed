import type { CopyOptions } from '../copy.js';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withDestination } from '../content/scoped.js';
import type { OpenOptions } from '../content/open.js';
import { OcipkgError } from '../errors.js';
import { readPackageConfig, type PublishConfig } from '../install/config.js';
import { parsePlatformSpec } from '../platform/host.js';
import { OciLayoutStore } from '../content/layout/store.js';
import { ANNOTATION } from '../spec/types.js';
import { build, type BuildTarget } from './build.js';

export interface PublishPlan {
  /** Every reference pushed: IMAGE:VERSION and IMAGE:GITHASH. */
  references: string[];
  targets: BuildTarget[];
  config: PublishConfig;
  annotations: Record<string, string>;
}

export interface Published {
  references: string[];
  digest: string;
}

async function git(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', args, { cwd: dir });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function repositoryUrl(pkg: Record<string, unknown>): string | undefined {
  const r = pkg.repository;
  const url = typeof r === 'string' ? r : typeof r === 'object' && r && typeof (r as { url?: unknown }).url === 'string' ? (r as { url: string }).url : undefined;
  return url?.replace(/^git\+/, '');
}

/**
 * What `publish` would push, from package.json's `ocipkg.publish` sections: one artifact per
 * section (an index with a manifest per platform), tagged with the package version and the git
 * short hash (as cargo-ocipkg names images by the commit).
 */
export async function planPublish(dir: string): Promise<PublishPlan[]> {
  const cfg = await readPackageConfig(dir);
  const sections = cfg.dependencies.filter((d) => d.publish);
  if (!sections.length) throw new OcipkgError('E_CONFIG', `${cfg.file}: ocipkg.publish is missing (e.g. {"platforms": {"linux/amd64": "dist/linux-x64"}})`);
  const pkg = JSON.parse(await readFile(cfg.file, 'utf8')) as Record<string, unknown>;
  const [short, full] = await Promise.all([git(dir, ['rev-parse', '--short', 'HEAD']), git(dir, ['rev-parse', 'HEAD'])]);
  const tags = [cfg.packageVersion, short].filter((t): t is string => !!t);
  if (!tags.length) throw new OcipkgError('E_CONFIG', `${cfg.file}: publish needs a "version" or a git checkout to name the image`);
  const annotations: Record<string, string> = {};
  if (cfg.packageVersion) annotations[ANNOTATION.Version] = cfg.packageVersion;
  const source = repositoryUrl(pkg);
  if (source) annotations[ANNOTATION.Source] = source;
  if (full) annotations[ANNOTATION.Revision] = full;
  return sections.map((d) => {
    const p = d.publish!;
    const targets = Object.entries(p.platforms).map(([plat, sub]) => ({
      platform: parsePlatformSpec(plat, `${d.where}.publish.platforms`),
      paths: [...p.files.map((f) => resolve(dir, f)), `${resolve(dir, sub)}/`],
    }));
    return { references: tags.map((t) => `${p.image}:${t}`), targets, config: p, annotations };
  });
}

/** Build and push each plan; with `dryRun`, build into a scratch layout only (the digest is the same). */
export async function publish(dir: string, opts: OpenOptions & { dryRun?: boolean; onRetry?: CopyOptions['onRetry']; onProgress?: CopyOptions['onProgress'] } = {}): Promise<Published[]> {
  const out: Published[] = [];
  for (const plan of await planPublish(dir)) {
    const buildOpts = {
      annotations: plan.annotations,
      linkLibs: plan.config.linkLibs,
      linkCflags: plan.config.linkCflags,
      index: true,
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(plan.config.compression ? { compression: plan.config.compression } : {}),
    };
    if (opts.dryRun) {
      // Built into a throwaway layout: the digest is the one a push would give.
      const scratch = await mkdtemp(join(tmpdir(), 'ocipkg-dry-run-'));
      try {
        const root = await build(plan.targets, new OciLayoutStore(scratch), undefined, buildOpts);
        out.push({ references: plan.references, digest: root.digest });
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      continue;
    }
    const [first, ...rest] = plan.references as [string, ...string[]];
    const digest = await withDestination(first, opts, async (d) => {
      const root = await build(plan.targets, d.store, d.tag, buildOpts);
      for (const ref of rest) await d.store.tag(root, ref.slice(ref.lastIndexOf(':') + 1));
      return root.digest;
    });
    out.push({ references: plan.references, digest });
  }
  return out;
}
