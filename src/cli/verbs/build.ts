import { transferReport } from '../progress.js';
import { build, type BuildTarget } from '../../artifact/build.js';
import { OcipkgError } from '../../errors.js';
import { parseCompression } from '../../pack/compress.js';
import { parsePlatformSpec, targetPlatform } from '../../platform/host.js';
import { formatPlatform } from '../../spec/platform.js';
import { withDestination } from '../../content/scoped.js';
import type { Verb } from '../verb.js';
import { str, strs } from '../verb.js';

/** `K=V` pairs from repeated `--annotation`. */
export function parseAnnotations(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i <= 0) throw new OcipkgError('E_USAGE', `--annotation: ${JSON.stringify(a)} is not KEY=VALUE`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/**
 * The platforms to build: `--platform os/arch=DIR` (repeatable; DIR is that platform's prefix,
 * its contents at the root), plus PATHs common to all; or one platform (`--platform P`, else
 * this machine) with the PATHs.
 */
export function buildTargets(paths: string[], platformArgs: string[]): { targets: BuildTarget[]; index: boolean } {
  const mapped = platformArgs.filter((p) => p.includes('='));
  if (mapped.length && mapped.length !== platformArgs.length) throw new OcipkgError('E_USAGE', 'build: use either --platform P or --platform P=PATH (repeated), not both');
  if (!mapped.length) {
    if (platformArgs.length > 1) throw new OcipkgError('E_USAGE', 'build: several platforms need --platform os/arch=PATH for each');
    if (!paths.length) throw new OcipkgError('E_USAGE', 'build: expected at least one PATH');
    return { targets: [{ platform: targetPlatform(platformArgs[0]), paths }], index: false };
  }
  const byPlatform = new Map<string, BuildTarget>();
  for (const m of mapped) {
    const i = m.indexOf('=');
    const platform = parsePlatformSpec(m.slice(0, i), '--platform');
    const dir = m.slice(i + 1);
    if (!dir) throw new OcipkgError('E_USAGE', `--platform: ${JSON.stringify(m)} names no PATH after =`);
    const key = formatPlatform(platform);
    const t = byPlatform.get(key) ?? { platform, paths: [...paths] };
    t.paths.push(dir.endsWith('/') ? dir : `${dir}/`);
    byPlatform.set(key, t);
  }
  return { targets: [...byPlatform.values()], index: true };
}

export const buildVerb: Verb = {
  name: 'build',
  summary: 'Build an artifact from files and directories and write it to DEST (any reference form).',
  usage: 'PATH… --tag DEST [--platform P] [--annotation K=V]… [--compression gzip|zstd] [--link-libs ARGS] [--link-cflags ARGS]',
  details: `Each PATH becomes one layer (tar+gzip, or tar+zstd): a file keeps its name, a directory keeps
its name with its contents below it (prefix/lib → lib/…), and a directory written with a trailing
slash (prefix/) puts its contents at the root. Prints the digest of what it wrote.

  --tag DEST            where to write: HOST/REPO:TAG, oci:DIR:TAG or oci-archive:FILE:TAG
  --platform P          the platform recorded (os/arch[/variant][+musl]); default: this machine
  --platform P=DIR      repeat to build one manifest per platform under an image index; DIR is
                        that platform's install prefix (its contents at the root); PATHs given
                        as well (shared headers, say) go into every platform's manifest
  --annotation K=V      a manifest annotation (repeatable), e.g. org.opencontainers.image.version=1.2.0
  --link-libs=ARGS      linker arguments consumers need (e.g. --link-libs="-lstdc++ -lpthread"), for ocipkg-link
  --link-cflags=ARGS    compiler arguments consumers need (e.g. --link-cflags=-DHELLO_SHARED)
  --compression C       gzip (default) or zstd
  --plain-http          speak HTTP, not HTTPS, to the registry

Builds for musl are marked libc.musl in platform.os.features (write --platform linux/amd64+musl).
SOURCE_DATE_EPOCH, when set, is recorded as the creation time; otherwise none is.`,
  options: {
    tag: { type: 'string', short: 't' },
    platform: { type: 'string', multiple: true },
    annotation: { type: 'string', multiple: true },
    compression: { type: 'string' },
    'link-libs': { type: 'string', multiple: true },
    'link-cflags': { type: 'string', multiple: true },
    'plain-http': { type: 'boolean' },
  },
  args: [0, Infinity],
  argNames: 'PATH…',
  async run({ positionals, values, stdout, stderr }) {
    const dest = str(values, 'tag');
    if (!dest) throw new OcipkgError('E_USAGE', 'build: --tag DEST is required');
    const { targets, index } = buildTargets(positionals, strs(values, 'platform'));
    const { done, ...report } = transferReport(stderr as NodeJS.WriteStream, 'pushing  ');
    const opts = {
      annotations: parseAnnotations(strs(values, 'annotation')),
      compression: parseCompression(str(values, 'compression')),
      linkLibs: strs(values, 'link-libs'),
      linkCflags: strs(values, 'link-cflags'),
      index,
      ...report,
    };
    const root = await withDestination(dest, { plainHttp: values['plain-http'] === true }, (d) => build(targets, d.store, d.tag, opts)).finally(done);
    stderr.write(`Built ${dest} (${targets.map((t) => formatPlatform(t.platform)).join(', ')})\n`);
    stdout.write(`${root.digest}\n`);
  },
};
