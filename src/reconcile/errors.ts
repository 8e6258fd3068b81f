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

/** A service's `deploy.update_config` or `deploy.rollback_config` holds a value Fizz cannot use. */
export class InvalidUpdateConfigError extends Error {
  override readonly name = 'InvalidUpdateConfigError';
  constructor(
    readonly service: string,
    readonly key: string,
    why: string,
  ) {
    super(`service "${service}": deploy.${key}: ${why}`);
  }
}

/** `fizz rollback` of a service that has no revision before its current one. */
export class NoEarlierRevisionError extends Error {
  override readonly name = 'NoEarlierRevisionError';
  constructor(
    readonly project: string,
    readonly service: string,
  ) {
    super(
      `service "${service}" of project "${project}" has no earlier revision to go back to (see fizz history ${service})`,
    );
  }
}
