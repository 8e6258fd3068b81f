/** What the runtime takes and reports when it pulls or builds an image, as plain data. */
import type { RegistryAuth } from './registry-auth.js';

/** One change of one layer while an image is pulled, in the engine's words. */
export interface LayerProgress {
  /** The layer's short id, as the engine prints it. */
  layer: string;
  /** `Pulling fs layer`, `Waiting`, `Downloading`, `Verifying Checksum`, `Download complete`, `Extracting`, `Pull complete`, `Already exists`. */
  status: string;
  /** Bytes done and total of a download or an extraction, when the engine says. */
  current?: number;
  total?: number;
}

export interface PullImageOptions {
  /** Credentials for the image's registry, when there are any. */
  auth?: RegistryAuth;
  /** Where those credentials came from and which config file was read, for the error messages. */
  authSource?: string;
  configFile?: string;
  onProgress?: (p: LayerProgress) => void;
  signal?: AbortSignal;
}

/** A build, with the compose `build:` keys already resolved to engine terms. */
export interface BuildImageRequest {
  /** Absolute path of the context directory. */
  context: string;
  /** The Dockerfile: a path relative to the context, or absolute (default `Dockerfile`). */
  dockerfile?: string;
  /** The Dockerfile's text, when given inline (`dockerfile_inline`). */
  dockerfileInline?: string;
  /** Names to tag the result with; the first is the service's image. */
  tags: string[];
  args?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  /** `network:` of the RUN steps (`host`, `none`, a network name). */
  network?: string;
  /** `host:ip` entries. */
  extraHosts?: string[];
  /** Bytes of /dev/shm for the RUN steps. */
  shmSize?: number;
  noCache?: boolean;
  /** Always try to pull a newer base image. */
  pull?: boolean;
  cacheFrom?: string[];
  /** Credentials for the registries the FROM lines may pull from, by config key. */
  registryAuths?: Record<string, RegistryAuth>;
}

export interface BuildImageOptions {
  /** Each line the builder prints (`Step 1/3 : FROM …`, the RUN steps' output). */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}
