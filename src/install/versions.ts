import semver from 'semver';
import { OcipkgError } from '../errors.js';

export interface PickedVersion {
  tag: string;
  version: string;
}

/** A tag's semver version: `1.2.3` or `v1.2.3` (strict, no coercion), else undefined. */
export function tagVersion(tag: string): string | undefined {
  const v = semver.valid(tag.replace(/^v(?=\d)/, ''));
  return v ?? undefined;
}

/**
 * The highest tag satisfying `range` (pre-releases only when the range names one, as npm
 * does); an exact `1.2.3` tag wins over `v1.2.3` for the same version. No match is an
 * E_NO_VERSION line listing the versions closest to the range.
 */
export function pickVersion(tags: Iterable<string>, range: string, where: string, toVersion: (t: string) => string | undefined = tagVersion): PickedVersion {
  const all: PickedVersion[] = [];
  for (const tag of tags) {
    const version = toVersion(tag);
    if (version) all.push({ tag, version });
  }
  let best: PickedVersion | undefined;
  for (const c of all) {
    if (!semver.satisfies(c.version, range)) continue;
    const cmp = best ? semver.compare(c.version, best.version) : 1;
    if (cmp > 0 || (cmp === 0 && best && !c.tag.startsWith('v') && best.tag.startsWith('v'))) best = c;
  }
  if (best) return best;
  throw new OcipkgError('E_NO_VERSION', `no tag of ${where} satisfies ${JSON.stringify(range)} (${closest(all, range)})`);
}

function closest(all: PickedVersion[], range: string): string {
  if (!all.length) return 'it has no semver tags';
  const sorted = [...new Map(all.map((c) => [c.version, c])).values()].sort((a, b) => semver.compare(a.version, b.version));
  const min = semver.minVersion(range);
  let i = min ? sorted.findIndex((c) => semver.gte(c.version, min)) : sorted.length;
  if (i < 0) i = sorted.length;
  const near = sorted.slice(Math.max(0, i - 3), i + 2).map((c) => c.tag);
  return `closest: ${near.join(', ')}`;
}
