/**
 * ocipkg as a library: the same capabilities as the CLI, which is a thin layer over these.
 */
export * from './spec/index.js';
export * from './errors.js';
export * from './content/store.js';
export { openSource, openDestination, type OpenOptions, type Opened } from './content/open.js';
export { withSource, withDestination } from './content/scoped.js';
export { OciLayoutStore } from './content/layout/store.js';
export { OciArchiveReader, OciArchiveWriter } from './content/archive/store.js';
export { CacheStore, cacheDir } from './content/cache/store.js';
export { copy, narrow, type CopyOptions, type CopyResult, type CopyEvent } from './copy.js';
export { pack, type PackOptions } from './pack/pack.js';
export { Extractor } from './pack/unpack.js';
export { build, type BuildTarget, type BuildOptions } from './artifact/build.js';
export { append, type AppendOptions } from './artifact/append.js';
export { pull, type PullResult } from './artifact/pull.js';
export { publish, planPublish } from './artifact/publish.js';
export { install, platformKey, type InstallOptions, type Installed } from './install/install.js';
export { readPackageConfig, type Dependency, type PackageConfig } from './install/config.js';
export { hostPlatform, hostLibc, targetPlatform, parsePlatformSpec, LIBC_MUSL } from './platform/host.js';
export { selectManifest } from './platform/select.js';
export { ready as link, findPackageDir } from './link/resolve-installed.js';
export { scanPrefix, type LinkInfo } from './link/scan.js';
export * as flags from './link/flags.js';
export { copyRuntime } from './link/copy.js';
export { writeCmakeConfig } from './link/cmake.js';
