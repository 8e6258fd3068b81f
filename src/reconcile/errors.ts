/** Errors of the reconcile layer, told apart by `name`. */

/** `depends_on` forms a cycle; `cycle` lists the services around it, first repeated last. */
export class DependencyCycleError extends Error {
  override readonly name = 'DependencyCycleError';
  constructor(
    readonly project: string,
    readonly cycle: string[],
  ) {
    super(`project ${project}: depends_on forms a cycle: ${cycle.join(' -> ')}`);
  }
}
