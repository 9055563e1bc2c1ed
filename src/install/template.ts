import type { Platform } from '../spec/types.js';
import { isMusl } from '../platform/host.js';
import { tagVersion as tagVersionOf } from './versions.js';

const NODE_PLATFORM: Record<string, string> = { windows: 'win32' };
const NODE_ARCH: Record<string, string> = { amd64: 'x64', '386': 'ia32', arm64: 'arm64', arm: 'arm', ppc64le: 'ppc64', mipsle: 'mipsel' };

/** The values of a tagTemplate's placeholders for `platform` (and `version` when known). */
export function templateVars(platform: Platform, version?: string): Record<string, string> {
  return {
    ...(version !== undefined ? { version } : {}),
    os: platform.os,
    arch: platform.architecture,
    variant: platform.variant ?? '',
    libc: platform.os === 'linux' ? (isMusl(platform) ? 'musl' : 'glibc') : '',
    platform: NODE_PLATFORM[platform.os] ?? platform.os,
    nodeArch: NODE_ARCH[platform.architecture] ?? platform.architecture,
  };
}

export function expandTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (m, k: string) => vars[k] ?? m);
}

/** A function reading `{version}` back out of a tag made from `template` for this platform. */
export function versionFromTag(template: string, vars: Record<string, string>): (tag: string) => string | undefined {
  const parts = template.split(/(\{version\})/);
  const re = new RegExp(`^${parts.map((p) => (p === '{version}' ? '(.+?)' : expandTemplate(p, vars).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return (tag) => {
    const m = re.exec(tag);
    return m?.[1] !== undefined ? (tagVersionOf(m[1]) ?? undefined) : undefined;
  };
}
