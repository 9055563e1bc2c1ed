/** Media types ocipkg reads and writes. */
export const MediaType = {
  ImageManifest: 'application/vnd.oci.image.manifest.v1+json',
  ImageIndex: 'application/vnd.oci.image.index.v1+json',
  ImageConfig: 'application/vnd.oci.image.config.v1+json',
  Layer: 'application/vnd.oci.image.layer.v1.tar',
  LayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  LayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  LayerNonDistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  LayerNonDistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  LayerNonDistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  Empty: 'application/vnd.oci.empty.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** ocipkg's own artifact type (the manifest's artifactType). */
  OcipkgArtifact: 'application/vnd.ocipkg.v1.artifact',
  /** ocipkg-rs (Rust) formats, read for compatibility. */
  OcipkgRsLayerGzip: 'application/vnd.ocipkg.v1.layer.tar+gzip',
  OcipkgRsConfig: 'application/vnd.ocipkg.v1.config+json',
} as const;

/** The empty JSON descriptor `{}` of the image spec. */
export const EMPTY_JSON = {
  mediaType: MediaType.Empty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ImageIndex || mt === MediaType.DockerManifestList;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ImageManifest || mt === MediaType.DockerManifest;
}

/** Manifest-like documents: what a reference can resolve to. */
export function isRootMediaType(mt: string | undefined): boolean {
  return isIndexMediaType(mt) || isManifestMediaType(mt);
}

/** Accept header for manifest requests, most preferred first. */
export const MANIFEST_ACCEPT = [
  MediaType.ImageIndex,
  MediaType.ImageManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
] as const;

export type LayerCompression = 'none' | 'gzip' | 'zstd';

/** How a layer's bytes are compressed, from its media type; undefined when not a layer we know. */
export function layerCompression(mt: string): LayerCompression | undefined {
  switch (mt) {
    case MediaType.Layer:
    case MediaType.LayerNonDistributable:
      return 'none';
    case MediaType.LayerGzip:
    case MediaType.LayerNonDistributableGzip:
    case MediaType.DockerLayerGzip:
    case MediaType.DockerForeignLayerGzip:
    case MediaType.OcipkgRsLayerGzip:
      return 'gzip';
    case MediaType.LayerZstd:
    case MediaType.LayerNonDistributableZstd:
      return 'zstd';
    default:
      return undefined;
  }
}
