import { OcipkgError } from '../errors.js';
import type { Platform } from './types.js';

/**
 * Platform strings (`os/arch[/variant]`) and matching, with the normalisations containerd
 * applies so that `linux/aarch64`, `linux/arm64` and `linux/arm64/v8` all mean the same thing.
 */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
  ia32: '386',
};

const OS_ALIASES: Record<string, string> = {
  macos: 'darwin',
  win32: 'windows',
};

/** Canonical form: lower case, aliases resolved, arm64's default variant v8 dropped, arm's default v7 made explicit. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const arch = p.architecture.toLowerCase();
  const out: Platform = { ...p, os: OS_ALIASES[os] ?? os, architecture: ARCH_ALIASES[arch] ?? arch };
  let variant = p.variant?.toLowerCase();
  if (arch === 'armhf') variant ??= 'v7';
  if (arch === 'armel') variant ??= 'v6';
  if (out.architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (out.architecture === 'arm') variant = variant ? (variant.startsWith('v') ? variant : `v${variant}`) : 'v7';
  if (variant) out.variant = variant;
  else delete out.variant;
  return out;
}

/** Parse `os/arch[/variant]`; throws E_USAGE naming `where`. */
export function parsePlatform(s: string, where = 'platform'): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => !/^[A-Za-z0-9_.-]+$/.test(x))) {
    throw new OcipkgError('E_USAGE', `${where}: ${JSON.stringify(s)} is not a platform (expected os/arch[/variant], e.g. linux/arm64)`);
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) p.variant = parts[2];
  return normalizePlatform(p);
}

export function formatPlatform(p: Platform): string {
  const n = normalizePlatform(p);
  const base = `${n.os}/${n.architecture}${n.variant ? `/${n.variant}` : ''}`;
  return n['os.features']?.length ? `${base} (${n['os.features'].join(',')})` : base;
}

/**
 * Does `have` (from an index) satisfy `want`? os and architecture must be equal after
 * normalisation; a wanted variant must be equal unless `have` names none. os.features in
 * `want` must all be present in `have` (used for the libc mark).
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (w.variant && h.variant && w.variant !== h.variant) return false;
  if (want.variant && have.variant === undefined && w.architecture !== 'arm') return true;
  for (const f of w['os.features'] ?? []) if (!(h['os.features'] ?? []).includes(f)) return false;
  return true;
}
