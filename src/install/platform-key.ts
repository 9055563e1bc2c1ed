import { isMusl } from '../platform/host.js';
import type { Platform } from '../spec/types.js';

/** `os/arch[/variant][+musl]`: a platform as the lockfile's `platforms` keys and --platform write it. */
export function platformKey(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}${isMusl(p) ? '+musl' : ''}`;
}
