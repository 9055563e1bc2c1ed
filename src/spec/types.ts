/**
 * The OCI image-spec documents as plain data. Field names follow the spec exactly so a parsed
 * document can be re-serialised unchanged. Validating parsers live beside these (parse.ts).
 */
export type Annotations = Record<string, string>;

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Annotations;
  /** base64 of the content, for small embedded blobs */
  data?: string;
  platform?: Platform;
  artifactType?: string;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Annotations;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Annotations;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    StopSignal?: string;
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** The `oci-layout` file of an image layout. */
export interface OciLayoutFile {
  imageLayoutVersion: string;
}

export const ANNOTATION = {
  RefName: 'org.opencontainers.image.ref.name',
  Title: 'org.opencontainers.image.title',
  Created: 'org.opencontainers.image.created',
  Version: 'org.opencontainers.image.version',
  Source: 'org.opencontainers.image.source',
  Revision: 'org.opencontainers.image.revision',
  Description: 'org.opencontainers.image.description',
  /** ORAS: a titled layer that is a directory packed as tar(+gzip), to be unpacked. */
  OrasUnpack: 'io.deis.oras.content.unpack',
} as const;

/** Annotations carrying what a consumer must add when linking (written by build, read by ocipkg-link). */
export const LINK_ANNOTATION = {
  Libs: 'vnd.ocipkg.link.libs',
  Cflags: 'vnd.ocipkg.link.cflags',
} as const;
