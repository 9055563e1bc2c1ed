import { readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../content/atomic.js';
import type { LinkInfo, Library } from './scan.js';

const TEMPLATES = new URL('../../templates/', import.meta.url);

function cmakeString(s: string): string {
  return `"${s.replace(/\\/g, '/').replace(/(["$])/g, '\\$1')}"`;
}

function render(template: string, vars: Record<string, string>): string {
  return template.replace(/@([A-Z_]+)@/g, (m, k: string) => vars[k] ?? m);
}

/** The runtime name of a shared library: where its development symlink leads (libfoo.so → libfoo.so.1). */
async function soname(lib: Library): Promise<string | undefined> {
  if (lib.kind !== 'shared') return undefined;
  const first = await readlink(lib.file).catch(() => undefined);
  return first ? basename(first) : basename(lib.file);
}

async function targetBlock(name: string, lib: Library, info: LinkInfo, own: string): Promise<string> {
  const includes = info.includeDirs.map(cmakeString).join(' ');
  const type = lib.kind === 'static' ? 'STATIC' : lib.kind === 'import' ? 'SHARED' : 'SHARED';
  const props: string[] = [];
  if (lib.kind === 'import') {
    props.push(`IMPORTED_IMPLIB ${cmakeString(lib.file)}`);
    const dll = info.runtimeFiles.find((f) => basename(f).toLowerCase().replace(/^lib/, '') === `${lib.name.toLowerCase()}.dll`);
    if (dll) props.push(`IMPORTED_LOCATION ${cmakeString(dll)}`);
  } else {
    props.push(`IMPORTED_LOCATION ${cmakeString(lib.file)}`);
    const so = await soname(lib);
    if (so) props.push(`IMPORTED_SONAME ${cmakeString(so)}`);
  }
  if (includes) props.push(`INTERFACE_INCLUDE_DIRECTORIES "${info.includeDirs.map((d) => d.replace(/\\/g, '/')).join(';')}"`);
  if (info.libs.length) props.push(`INTERFACE_LINK_LIBRARIES "${info.libs.join(';')}"`);
  if (info.cflags.length) props.push(`INTERFACE_COMPILE_OPTIONS "${info.cflags.join(';')}"`);
  return [`  add_library(${name}::${own} ${type} IMPORTED)`, `  set_target_properties(${name}::${own} PROPERTIES`, ...props.map((p) => `    ${p}`), '  )'].join('\n');
}

/**
 * Write `<dir>/lib/cmake/<name>/<name>Config.cmake` and `…ConfigVersion.cmake` from templates/:
 * imported target `<name>::<name>` (the library of that name, or an interface target over all
 * libraries when there are several) with include dirs, location and soname.
 */
export async function writeCmakeConfig(dir: string, name: string, info: LinkInfo, meta: { version?: string; reference: string; manifest: string }): Promise<string> {
  const blocks: string[] = [];
  const main = info.libraries.find((l) => l.name === name) ?? (info.libraries.length === 1 ? info.libraries[0] : undefined);
  for (const lib of info.libraries) blocks.push(await targetBlock(name, lib, info, lib === main ? name : lib.name));
  if (!main) {
    const includes = info.includeDirs.map((d) => d.replace(/\\/g, '/')).join(';');
    const links = [...info.libraries.map((l) => `${name}::${l.name}`), ...info.libs].join(';');
    blocks.push([`  add_library(${name}::${name} INTERFACE IMPORTED)`, `  set_target_properties(${name}::${name} PROPERTIES`, ...(includes ? [`    INTERFACE_INCLUDE_DIRECTORIES "${includes}"`] : []), ...(links ? [`    INTERFACE_LINK_LIBRARIES "${links}"`] : []), '  )'].join('\n'));
  }
  const vars = {
    NAME: name,
    PREFIX: info.prefix.replace(/\\/g, '/'),
    INCLUDE_DIRS: info.includeDirs.map(cmakeString).join(' '),
    VERSION: meta.version ?? '',
    TARGETS: blocks.join('\n'),
    REFERENCE: meta.reference,
    MANIFEST: meta.manifest,
  };
  const out = join(dir, 'lib', 'cmake', name);
  const [config, version] = await Promise.all([readFile(new URL('Config.cmake.in', TEMPLATES), 'utf8'), readFile(new URL('ConfigVersion.cmake.in', TEMPLATES), 'utf8')]);
  await writeFileAtomic(join(out, `${name}Config.cmake`), render(config, vars));
  await writeFileAtomic(join(out, `${name}ConfigVersion.cmake`), render(version, vars));
  return dir;
}
