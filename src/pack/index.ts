export { pack, type PackOptions } from './pack.js';
export { writeLayer, layerMediaType, sourceDateEpoch, type LayerOptions, type WrittenLayer } from './layer.js';
export { Extractor, entryPath } from './unpack.js';
export { compressor, decompressor, parseCompression } from './compress.js';
