import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/*
 * Keeping a long transfer's memory flat. Two things, not the bytes in flight, decide the peak RSS
 * of streaming a blob through Node 20:
 *
 * 1. Every socket read is a fresh 64 KiB buffer. Once passed on it is garbage, but V8 only
 *    collects the young generation when those buffers reach 32 MiB (twice its largest
 *    semi-space, fixed at build time; --max-semi-space-size does not lower it). `streamed()`
 *    runs a minor collection every few MiB instead: with nothing alive it takes well under a
 *    millisecond.
 * 2. undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 compiles wasm functions with
 *    Liftoff first, and recompiles hot ones with TurboFan on a helper thread; for llhttp's
 *    parser function that takes ~35 MiB for the moment it runs. `baselineWasm()` sets
 *    --liftoff-only before the process's first request, and it stays set (V8 13 also reads it
 *    when deciding a tier-up later): the parser is fast enough at the baseline, since bodies are
 *    not parsed byte by byte. `optimisedWasm()` puts the defaults back before compiling a module
 *    that needs the optimising tier (the zstd encoder).
 */

type Gc = (options: { type: 'minor' | 'major' }) => void;
let gc: Gc | null | undefined;

function collector(): Gc | null {
  if (gc === undefined) {
    try {
      // The flag only adds a `gc` to contexts created after it is set.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/** How many streamed bytes between minor collections. */
const COLLECT_EVERY = 8 * 1024 * 1024;
let since = 0;

/** Count bytes passed along by a stream; collect the young generation every COLLECT_EVERY. */
export function streamed(bytes: number): void {
  since += bytes;
  if (since < COLLECT_EVERY) return;
  since = 0;
  collector()?.({ type: 'minor' });
}

/**
 * The wasm tiering flags as V8 11 to 13 (Node 20 to 24) start with. Other V8 versions are left
 * alone: an unknown flag would be printed.
 */
const WASM_DEFAULTS = '--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering';
/** Liftoff only, spelled out: V8 13 does not apply --liftoff-only's implications when set at run time. */
const WASM_BASELINE = '--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering';
const V8_MAJOR = Number(process.versions.v8.split('.')[0]);
const TUNABLE = V8_MAJOR >= 11 && V8_MAJOR <= 13;
/** `initial` until the first request; `optimised` for good once an optimised module was asked for. */
let tiers: 'initial' | 'baseline' | 'optimised' = 'initial';

/** Run `compile` (the first HTTP request compiles undici's parser) with Liftoff as the only wasm tier from now on. */
export function baselineWasm<T>(compile: () => Promise<T>): Promise<T> {
  if (TUNABLE && tiers === 'initial') {
    tiers = 'baseline';
    setFlagsFromString(WASM_BASELINE);
  }
  return compile();
}

/**
 * Run `compile` with V8's wasm tiers as they start (TurboFan included), and keep them so for the
 * rest of the process: a later request must not take the optimising tier from this module.
 */
export async function optimisedWasm<T>(compile: () => Promise<T>): Promise<T> {
  if (TUNABLE && tiers === 'baseline') setFlagsFromString(WASM_DEFAULTS);
  tiers = 'optimised';
  return compile();
}
