import { readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../content/atomic.js';
import type { LinkInfo, Library } from './scan.js';
import { units } from './units.js';

const TEMPLATES = new URL('../../templates/', import.meta.url);

function cmakeString(s: string): string {
  return `"${s.replace(/\\/g, '/').replace(/(["$])/g, '\\$1')}"`;
}

/** One element of a CMake list inside a quoted argument: `\`, `"`, `$` and `;` escaped. */
function listItem(s: string): string {
  return s.replace(/([\\"$;])/g, '\\$1');
}

const quoted = (items: string[]) => `"${items.map(listItem).join(';')}"`;

/** Compile flags as CMake compile options: a flag with its argument as one `SHELL:` element. */
function compileOptions(words: readonly string[]): string[] {
  return units(words).map((u) => (u.length > 1 ? `SHELL:${u.join(' ')}` : u[0]!));
}

/**
 * Link flags split the way CMake takes them: single words and `-framework X` (which CMake knows)
 * as link libraries, other flags with an argument (`-Xlinker -z`) as `SHELL:` link options.
 */
function linkParts(words: readonly string[]): { libraries: string[]; options: string[] } {
  const libraries: string[] = [];
  const options: string[] = [];
  for (const u of units(words)) {
    if (u.length === 1 || u[0] === '-framework' || u[0] === '-weak_framework') libraries.push(u.join(' '));
    else options.push(`SHELL:${u.join(' ')}`);
  }
  return { libraries, options };
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
  const link = linkParts(info.libs);
  if (link.libraries.length) props.push(`INTERFACE_LINK_LIBRARIES ${quoted(link.libraries)}`);
  if (link.options.length) props.push(`INTERFACE_LINK_OPTIONS ${quoted(link.options)}`);
  if (info.cflags.length) props.push(`INTERFACE_COMPILE_OPTIONS ${quoted(compileOptions(info.cflags))}`);
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
    const link = linkParts(info.libs);
    const links = [...info.libraries.map((l) => `${name}::${l.name}`), ...link.libraries];
    blocks.push([
      `  add_library(${name}::${name} INTERFACE IMPORTED)`,
      `  set_target_properties(${name}::${name} PROPERTIES`,
      ...(includes ? [`    INTERFACE_INCLUDE_DIRECTORIES "${includes}"`] : []),
      ...(links.length ? [`    INTERFACE_LINK_LIBRARIES ${quoted(links)}`] : []),
      ...(link.options.length ? [`    INTERFACE_LINK_OPTIONS ${quoted(link.options)}`] : []),
      '  )',
    ].join('\n'));
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
