/**
 * Compiler and linker flags as units: a flag that takes its argument as the next word
 * (`-framework Security`, `-Xlinker --as-needed`, `-include a.h`) is one unit with it, so
 * merging flags from several places drops exact repeats of a unit without tearing a pair apart
 * (`-framework A -framework B` stays whole).
 */
const TAKES_NEXT = new Set([
  '-framework', '-weak_framework', '-Xlinker', '-Xpreprocessor', '-Xassembler', '-include', '-imacros',
  '-isystem', '-idirafter', '-iquote', '-isysroot', '-arch', '-u', '-MF', '-MT', '-MQ', '-x',
]);

/** Words → units (each unit one or two words). */
export function units(words: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (TAKES_NEXT.has(w) && i + 1 < words.length) out.push([w, words[++i]!]);
    else out.push([w]);
  }
  return out;
}

/** `base` followed by the units of `extra` it does not already have; as words. */
export function mergeFlags(base: readonly string[], extra: readonly string[]): string[] {
  const seen = new Set(units(base).map((u) => u.join(' ')));
  const out = [...base];
  for (const u of units(extra)) {
    const key = u.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(...u);
  }
  return out;
}
