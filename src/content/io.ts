/**
 * Buffer sizes for streaming blobs through files. Node's defaults (64 KiB reads, 16 KiB write
 * buffering) make one system call per 64 KiB chunk, which costs more than the hashing on a big
 * layer; 1 MiB lets writes batch several chunks into one writev while memory stays bounded.
 */
export const FILE_STREAM = { highWaterMark: 1024 * 1024 } as const;
