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
 * 2. undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 compiles wasm functions on
 *    first call with Liftoff, and recompiles hot ones with TurboFan on a helper thread; for
 *    llhttp's parser function that takes ~35 MiB for the moment it runs. `baselineWasm()` sets
 *    --liftoff-only around the process's first request: what is compiled then (the parser runs
 *    on the first response) carries no tier-up counter and stays at the baseline, which is fast
 *    enough since bodies are not parsed byte by byte. The flags are put back afterwards, so
 *    everything compiled later (the zstd encoder) still gets optimised.
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
export const COLLECT_EVERY = 8 * 1024 * 1024;
let since = 0;

/** Count bytes passed along by a stream; collect the young generation every COLLECT_EVERY. */
export function streamed(bytes: number): void {
  since += bytes;
  if (since < COLLECT_EVERY) return;
  since = 0;
  collector()?.({ type: 'minor' });
}

/**
 * The wasm tiering flags as V8 11 to 13 (Node 20 to 24) start with, set again after a
 * baseline-only compile. Other V8 versions are left alone: an unknown flag would be printed.
 */
const WASM_DEFAULTS = '--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering';
const V8_MAJOR = Number(process.versions.v8.split('.')[0]);
let baselineDone = V8_MAJOR < 11 || V8_MAJOR > 13;

/**
 * Run `compile` (the first HTTP request) with Liftoff as the only wasm tier, once per process;
 * V8 reads the flags when it compiles a function.
 */
export async function baselineWasm<T>(compile: () => Promise<T>): Promise<T> {
  if (baselineDone) return compile();
  baselineDone = true;
  setFlagsFromString('--liftoff-only');
  try {
    return await compile();
  } finally {
    setFlagsFromString(WASM_DEFAULTS);
  }
}
