import { OcipkgError } from '../errors.js';
import { formatPlatform, normalizePlatform } from '../spec/platform.js';
import type { Descriptor, Platform } from '../spec/types.js';
import { isMusl } from './host.js';

function variantNumber(v: string | undefined): number | undefined {
  const m = v ? /^v(\d+)/.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * How well an index entry fits `want`, or -1 when it cannot run there. os and architecture must
 * be equal; musl builds only for musl and never for glibc; an exact variant beats an older
 * compatible one (arm v7 runs v6 and v5 code) which beats an entry without a variant.
 */
export function platformScore(want: Platform, have: Platform | undefined): number {
  if (!have) return -1;
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return -1;
  if (isMusl(want) !== isMusl(have)) return -1;
  for (const f of w['os.features'] ?? []) if (!(h['os.features'] ?? []).includes(f)) return -1;
  let score = 100;
  if (w.variant !== h.variant) {
    if (!h.variant) score = 50;
    else if (!w.variant) score = h.architecture === 'arm64' ? 40 : -1;
    else {
      const wn = variantNumber(w.variant);
      const hn = variantNumber(h.variant);
      if (wn === undefined || hn === undefined || hn > wn) return -1;
      score = 60 + hn;
    }
  }
  return score;
}

/** `linux/amd64`, `linux/amd64 (libc.musl)`, … for the list of what an index offers. */
export function offered(manifests: Descriptor[]): string {
  const names = manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'no platform'));
  return names.length ? [...new Set(names)].join(', ') : 'nothing';
}

/**
 * The index entry for `want`: the best score, first in index order on ties. An index with a
 * single entry that names no platform is taken as is. No fit is E_PLATFORM listing what exists.
 */
export function selectManifest(manifests: Descriptor[], want: Platform, where: string): Descriptor {
  const [only] = manifests;
  if (manifests.length === 1 && only && !only.platform) return only;
  let best: Descriptor | undefined;
  let bestScore = -1;
  for (const d of manifests) {
    const s = platformScore(want, d.platform);
    if (s > bestScore) {
      best = d;
      bestScore = s;
    }
  }
  if (!best) throw new OcipkgError('E_PLATFORM', `no build for ${formatPlatform(want)} in ${where}; it offers ${offered(manifests)}`);
  return best;
}
