import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OcipkgError, someOf } from '../errors.js';
import { mergeFlags } from './units.js';

export type LibraryKind = 'shared' | 'static' | 'import';

export interface Library {
  name: string;
  kind: LibraryKind;
  /** The file the linker reads (libfoo.so, libfoo.a, foo.lib, libfoo.dylib). */
  file: string;
  dir: string;
  /** For shared libraries: the runtime name when the link name is a symlink chain (libfoo.so.1). */
  soname?: string;
}

/** What a build needs from an unpacked artifact. */
export interface LinkInfo {
  prefix: string;
  os: string;
  includeDirs: string[];
  libDirs: string[];
  libraries: Library[];
  /** Files to ship beside the addon: .so* (with their symlinks), .dylib, .dll. */
  runtimeFiles: string[];
  /** Extra compiler and linker arguments recorded with the artifact or in a .pc file. */
  cflags: string[];
  libs: string[];
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

const SO = /^lib(.+?)\.so((?:\.\d+)*)$/;
const DYLIB = /^lib(.+?)((?:\.\d+)*)\.dylib$/;
const STATIC = /^lib(.+)\.a$/;
const WINLIB = /^(?:lib)?(.+)\.lib$/i;
const DLL = /^(?:lib)?(.+)\.dll$/i;

/** Pick what to link: name → library, preferring the kind the platform's linker would. */
function choose(found: Library[], os: string): Map<string, Library> {
  const rank = (l: Library) => (os === 'windows' ? (l.kind === 'import' ? 0 : 1) : l.kind === 'shared' ? 0 : 1);
  const out = new Map<string, Library>();
  for (const l of found) {
    const cur = out.get(l.name);
    if (!cur || rank(l) < rank(cur)) out.set(l.name, l);
  }
  return out;
}

/**
 * Find headers and libraries under an install prefix (include/, lib/, lib64/, bin/ for DLLs,
 * or everything at the root as ocipkg-rs artifacts have it). `selected` narrows to named
 * libraries (`name`, `name:static`, `name:shared`), in that order.
 */
export async function scanPrefix(prefix: string, os: string, selected?: string[], where = 'libraries'): Promise<LinkInfo> {
  const includeDirs: string[] = [];
  if (await isDir(join(prefix, 'include'))) includeDirs.push(join(prefix, 'include'));
  else if ((await list(prefix)).some((f) => /\.(h|hh|hpp|hxx)$/.test(f))) includeDirs.push(prefix);

  const candidates = [join(prefix, 'lib'), join(prefix, 'lib64'), join(prefix, 'bin'), prefix];
  const found: Library[] = [];
  const runtime: string[] = [];
  for (const dir of candidates) {
    for (const f of (await list(dir)).sort()) {
      const path = join(dir, f);
      let m: RegExpExecArray | null;
      if (os === 'windows') {
        if ((m = DLL.exec(f))) runtime.push(path);
        else if ((m = WINLIB.exec(f))) found.push({ name: m[1]!, kind: 'static', file: path, dir });
      } else if (os === 'darwin') {
        if ((m = DYLIB.exec(f))) {
          runtime.push(path);
          if (!m[2]) found.push({ name: m[1]!, kind: 'shared', file: path, dir });
        } else if ((m = STATIC.exec(f))) found.push({ name: m[1]!, kind: 'static', file: path, dir });
      } else if ((m = SO.exec(f))) {
        runtime.push(path);
        if (!m[2]) found.push({ name: m[1]!, kind: 'shared', file: path, dir });
      } else if ((m = STATIC.exec(f))) found.push({ name: m[1]!, kind: 'static', file: path, dir });
    }
  }
  // Versioned shared libraries without the unversioned development link: link the newest.
  if (os !== 'windows') {
    for (const path of runtime) {
      const f = path.slice(path.lastIndexOf('/') + 1);
      const m = (os === 'darwin' ? DYLIB : SO).exec(f);
      if (m && m[2] && !found.some((l) => l.name === m[1] && l.kind === 'shared')) found.push({ name: m[1]!, kind: 'shared', file: path, dir: path.slice(0, path.lastIndexOf('/')) });
    }
  }
  // A .lib next to a DLL of the same name is its import library.
  if (os === 'windows') {
    for (const l of found) if (runtime.some((r) => DLL.exec(r.slice(r.lastIndexOf('/') + 1))?.[1]?.toLowerCase() === l.name.toLowerCase())) l.kind = 'import';
  }

  let libraries: Library[];
  if (selected?.length) {
    libraries = selected.map((s) => {
      const [name, kind] = s.split(':') as [string, string | undefined];
      const hit = found.find((l) => l.name === name && (!kind || l.kind === kind || (kind === 'shared' && l.kind === 'import')));
      if (!hit) {
        const names = [...new Set(found.map((l) => `${l.name}${l.kind === 'static' ? ':static' : ''}`))].sort();
        throw new OcipkgError('E_CONFIG', `${where}: ${JSON.stringify(s)} is not in the artifact (found: ${someOf(names) || 'no libraries'})`);
      }
      return hit;
    });
  } else {
    libraries = [...choose(found, os).values()];
  }
  const libDirs = [...new Set(libraries.map((l) => l.dir))];
  const pc = await readPkgConfig(prefix, libraries.map((l) => l.name));
  return { prefix, os, includeDirs, libDirs, libraries, runtimeFiles: runtime, cflags: pc.cflags, libs: pc.libs };
}

/**
 * Extra flags from `lib/pkgconfig/*.pc` (Libs, Libs.private for static libraries, Cflags), with
 * the .pc's own -I/-L and -l of the artifact's libraries left out (ocipkg-link prints those).
 */
async function readPkgConfig(prefix: string, own: string[]): Promise<{ cflags: string[]; libs: string[] }> {
  const dir = join(prefix, 'lib', 'pkgconfig');
  let cflags: string[] = [];
  let libs: string[] = [];
  for (const f of (await list(dir)).filter((f) => f.endsWith('.pc')).sort()) {
    const vars: Record<string, string> = { prefix, pcfiledir: dir };
    const fields: Record<string, string> = {};
    for (const raw of (await readFile(join(dir, f), 'utf8')).split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      const v = /^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/.exec(line);
      const k = /^([A-Za-z.]+):\s*(.*)$/.exec(line);
      const expand = (s: string) => s.replace(/\$\{([^}]+)\}/g, (_m, n: string) => vars[n] ?? '');
      if (v) vars[v[1]!] = v[1] === 'prefix' ? prefix : expand(v[2]!);
      else if (k) fields[k[1]!] = k[2]!;
    }
    // Split before expanding: the prefix may contain spaces.
    const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean).map((w) => w.replace(/\$\{([^}]+)\}/g, (_m, n: string) => vars[n] ?? ''));
    cflags = mergeFlags(cflags, words(fields.Cflags).filter((t) => !t.startsWith('-I')));
    libs = mergeFlags(libs, [...words(fields.Libs), ...words(fields['Libs.private'])].filter((t) => !t.startsWith('-L') && !(t.startsWith('-l') && own.includes(t.slice(2)))));
  }
  return { cflags, libs };
}
