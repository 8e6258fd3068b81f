/**
 * The compose loader's public entry: find, read, interpolate, merge, validate and normalize
 * a compose project into a `ProjectSpec`, as docker compose reads it. Throws
 * `ComposeLoadError` holding every error found.
 */
import { ComposeError, ComposeLoadError } from './errors.js';
import { projectInputs } from './inputs.js';
import { loadModel } from './model.js';
import type { LoadOptions } from './options.js';
import type { ProjectSpec } from './types.js';

export * from './errors.js';
export { type ConfigFile, loadModel, type ModelOptions } from './model.js';
export type { LoadOptions } from './options.js';
export type * from './types.js';
export { desiredReplicas } from './types.js';

export async function loadProject(options: LoadOptions): Promise<ProjectSpec> {
  try {
    const { configFiles, workingDir, env } = await projectInputs(options);
    return loadModel({
      configFiles,
      workingDir,
      env,
      projectName: options.projectName,
      profiles: options.profiles,
      warn: options.warn,
    });
  } catch (err) {
    if (err instanceof ComposeError) throw new ComposeLoadError([err]);
    throw err;
  }
}
