import type { LinkInfo } from './scan.js';

/**
 * Who reads the output: gyp (`<!@(...)` in binding.gyp, split with POSIX shell rules and then
 * written into a Makefile, so `$` must be doubled and quoted to reach the linker as `$ORIGIN`)
 * or a shell's `$(...)` (split on whitespace, nothing expanded again).
 */
export type OutputFormat = 'gyp' | 'shell';

/** node-gyp runs gyp with its pylib on PYTHONPATH; commands in binding.gyp inherit that. */
export function detectFormat(env = process.env): OutputFormat {
  return /gyp/.test(env.PYTHONPATH ?? '') || env.OCIPKG_LINK_FORMAT === 'gyp' ? 'gyp' : 'shell';
}

/** Forward slashes (Windows backslashes would be eaten by shlex), quoted when needed. */
export function quotePath(p: string, format: OutputFormat): string {
  const s = p.replace(/\\/g, '/');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return format === 'gyp' ? `'${s.replace(/'/g, `'\\''`)}'` : s;
}

export function includeFlags(info: LinkInfo, format: OutputFormat): string[] {
  return info.includeDirs.map((d) => quotePath(d, format));
}

/** `-I` on every OS: MSVC's cl.exe takes the dash form as well as `/I`. */
export function cflags(info: LinkInfo, format: OutputFormat): string[] {
  return [...info.includeDirs.map((d) => `-I${quotePath(d, format)}`), ...info.cflags];
}

export function libDirFlags(info: LinkInfo, format: OutputFormat): string[] {
  return info.libDirs.map((d) => quotePath(d, format));
}

/** Linker inputs: `-L… -lname` (a static-only or `:static` library by its path) or, on Windows, `.lib` paths. */
export function libFlags(info: LinkInfo, format: OutputFormat): string[] {
  if (info.os === 'windows') return [...info.libraries.map((l) => quotePath(l.file, format)), ...info.libs];
  const out: string[] = [];
  const dirs = new Set<string>();
  for (const l of info.libraries) {
    if (l.kind === 'static') {
      out.push(quotePath(l.file, format));
      continue;
    }
    if (!dirs.has(l.dir)) {
      dirs.add(l.dir);
      out.push(`-L${quotePath(l.dir, format)}`);
    }
    out.push(`-l${l.name}`);
  }
  return [...out.slice().sort((a, b) => Number(b.startsWith('-L')) - Number(a.startsWith('-L'))), ...info.libs];
}

/**
 * Runtime search path: next to the addon first (`$ORIGIN`, `@loader_path`) so copies in
 * build/Release or prebuilds/ are used, then the cache prefix. DT_RPATH (not RUNPATH) so the
 * library's own dependencies resolve too. Windows has no rpath: DLLs go next to the .node.
 */
export function rpathFlags(info: LinkInfo, format: OutputFormat): string[] {
  const shared = info.libraries.filter((l) => l.kind === 'shared');
  if (!shared.length || info.os === 'windows') return [];
  const dirs = [...new Set(shared.map((l) => l.dir))];
  if (info.os === 'darwin') return ['-Wl,-rpath,@loader_path', ...dirs.map((d) => `-Wl,-rpath,${quotePath(d, format)}`)];
  const origin = format === 'gyp' ? `"-Wl,-rpath,'$$ORIGIN'"` : '-Wl,-rpath,$ORIGIN';
  return ['-Wl,--disable-new-dtags', origin, ...dirs.map((d) => `-Wl,-rpath,${quotePath(d, format)}`)];
}

export function ldflags(info: LinkInfo, format: OutputFormat): string[] {
  return [...libFlags(info, format), ...rpathFlags(info, format)];
}
