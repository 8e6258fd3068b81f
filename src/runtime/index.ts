/** The container runtime: the interface, the Docker Engine implementation, the in-memory fake. */
export { DockerRuntime, type DockerRuntimeOptions } from './docker.js';
export { engineEndpoint } from './engine.js';
export {
  ContainerNotFoundError,
  EngineError,
  EngineUnreachableError,
  ImageNotFoundError,
  NameConflictError,
  PortInUseError,
} from './errors.js';
export { type FakeContainer, type FakeOperation, FakeRuntime, type FakeRuntimeOptions } from './fake.js';
export { containerLabels, translate } from './translate.js';
export * from './types.js';
export { CLIENT_MAX_API, negotiateApi } from './version.js';
