import { existsSync, readdirSync } from 'node:fs';
import { endianness } from 'node:os';
import { OcipkgError } from '../errors.js';
import { normalizePlatform, parsePlatform } from '../spec/platform.js';
import type { Platform } from '../spec/types.js';

/**
 * OCI has no libc field. ocipkg marks builds for musl with this entry in `platform.os.features`
 * (of the index descriptor and the config); builds without it are glibc (or libc-agnostic).
 */
export const LIBC_MUSL = 'libc.musl';
export const LIBC_GLIBC = 'libc.glibc';

export type Libc = 'glibc' | 'musl';

const OS: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
const ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64', loong64: 'loong64', mipsel: 'mipsle', mips: 'mips', riscv64: 'riscv64', s390x: 's390x' };

/** Node's process.platform/arch (and arm_version) as an OCI platform. */
export function fromNode(platform: string, arch: string, armVersion?: string | number, littleEndian = true): Platform {
  const p: Platform = { os: OS[platform] ?? platform, architecture: ARCH[arch] ?? arch };
  if (arch === 'ppc64' && littleEndian) p.architecture = 'ppc64le';
  if (arch === 'arm') p.variant = `v${armVersion ?? 7}`;
  return normalizePlatform(p);
}

let libcCache: Libc | undefined | null = null;

/** What the libc decision looks at, passed in so every branch can be tested on any machine. */
export interface LibcProbe {
  /** process.report.getReport(), or undefined when it failed. */
  report: { header?: { glibcVersionRuntime?: string }; sharedObjects?: string[] } | undefined;
  /** The names in /lib, or undefined when there is none. */
  lib: string[] | undefined;
  exists(path: string): boolean;
}

/**
 * The C library from a probe: glibc when the process report names a glibc runtime, musl when the
 * musl loader is loaded or present in /lib; else glibc if its library directories exist.
 * Not from /etc/alpine-release.
 */
export function libcFrom(probe: LibcProbe): Libc | undefined {
  if (probe.report?.header?.glibcVersionRuntime) return 'glibc';
  if (probe.report?.sharedObjects?.some((s) => /(ld|libc)[.-]musl/.test(s))) return 'musl';
  if (probe.lib?.some((f) => f.startsWith('ld-musl-'))) return 'musl';
  return probe.exists('/lib64') || probe.exists('/lib/x86_64-linux-gnu') ? 'glibc' : undefined;
}

/** The C library this Node runs on, on Linux (see libcFrom). */
export function hostLibc(): Libc | undefined {
  if (libcCache !== null) return libcCache;
  libcCache = undefined;
  if (process.platform !== 'linux') return undefined;
  const report = process.report as unknown as { excludeNetwork?: boolean; getReport(): LibcProbe['report'] };
  let r: LibcProbe['report'];
  try {
    report.excludeNetwork = true;
    r = report.getReport();
  } catch {
    r = undefined;
  }
  let lib: string[] | undefined;
  try {
    lib = readdirSync('/lib');
  } catch {
    lib = undefined;
  }
  return (libcCache = libcFrom({ report: r, lib, exists: existsSync }));
}

/** The platform of this machine, with the musl mark when Node runs on musl. */
export function hostPlatform(): Platform {
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version as string | undefined;
  const p = fromNode(process.platform, process.arch, armVersion, endianness() === 'LE');
  if (hostLibc() === 'musl') p['os.features'] = [LIBC_MUSL];
  return p;
}

/**
 * A platform given by the user: `os/arch[/variant]` plus optional `+musl`/`+glibc` (or any
 * `+feature`, recorded in os.features). `libc.glibc` is not recorded: unmarked means glibc.
 */
export function parsePlatformSpec(s: string, where = '--platform'): Platform {
  const [base, ...features] = s.split('+');
  const p = parsePlatform(base!, where);
  const marks = features.map((f) => (f === 'musl' ? LIBC_MUSL : f === 'glibc' ? LIBC_GLIBC : f)).filter((f) => f !== LIBC_GLIBC);
  if (features.some((f) => !/^[A-Za-z0-9_.-]+$/.test(f))) throw new OcipkgError('E_USAGE', `${where}: ${JSON.stringify(s)} has an empty or invalid +feature`);
  if (marks.length) p['os.features'] = marks;
  return p;
}

/** The platform to use: `--platform`, else OCIPKG_PLATFORM, else this machine. */
export function targetPlatform(flag?: string, env = process.env): Platform {
  if (flag) return parsePlatformSpec(flag, '--platform');
  if (env.OCIPKG_PLATFORM) return parsePlatformSpec(env.OCIPKG_PLATFORM, 'OCIPKG_PLATFORM');
  return hostPlatform();
}

export function isMusl(p: Platform | undefined): boolean {
  return !!p?.['os.features']?.includes(LIBC_MUSL);
}
