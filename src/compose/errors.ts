/**
 * One error class per kind of loader failure, each with a stable `name`. Every error knows
 * where it comes from (file:line:col when the YAML node is known) and the key path
 * (`services.web.ports[1]`). The loader collects them and throws one `ComposeLoadError`
 * holding all of them.
 */

export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
}

export interface ComposeErrorDetails extends SourceLocation {
  /** Key path such as `services.web.ports[1]`. */
  path?: string;
  /** What was expected, when that can be said. */
  expected?: string;
  /** A did-you-mean suggestion. */
  suggestion?: string;
  cause?: unknown;
}

/** The base of every loader error. */
export abstract class ComposeError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;
  readonly expected?: string;
  readonly suggestion?: string;
  /** The message without location, path, expectation or suggestion. */
  readonly reason: string;

  constructor(reason: string, details: ComposeErrorDetails = {}) {
    super(formatMessage(reason, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.path = details.path;
    this.expected = details.expected;
    this.suggestion = details.suggestion;
  }

  /** The same error with a location filled in (errors are made before positions are known). */
  abstract withDetails(details: ComposeErrorDetails): ComposeError;
}

function formatMessage(reason: string, d: ComposeErrorDetails): string {
  let where = '';
  if (d.file) {
    where = d.file;
    if (d.line !== undefined) where += `:${d.line}:${d.column ?? 1}`;
    where += ': ';
  }
  let text = `${where}${d.path ? `${d.path}: ` : ''}${reason}`;
  if (d.expected) text += ` (expected ${d.expected})`;
  if (d.suggestion) text += `; did you mean '${d.suggestion}'?`;
  return text;
}

function kind<N extends string>(errorName: N) {
  return class extends ComposeError {
    override readonly name: N = errorName;
    withDetails(details: ComposeErrorDetails): ComposeError {
      const Ctor = this.constructor as new (r: string, d: ComposeErrorDetails) => ComposeError;
      return new Ctor(this.reason, {
        file: this.file,
        line: this.line,
        column: this.column,
        path: this.path,
        expected: this.expected,
        suggestion: this.suggestion,
        cause: this.cause,
        ...stripUndefined(details),
      });
    }
  };
}

function stripUndefined(d: ComposeErrorDetails): ComposeErrorDetails {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (v !== undefined) out[k] = v;
  return out as ComposeErrorDetails;
}

/** No compose file found, or a named file/env file/extends file that cannot be read. */
export class ComposeFileNotFoundError extends kind('ComposeFileNotFoundError') {}
/** The file is not valid YAML (syntax, duplicate keys, bad alias). */
export class ComposeYamlError extends kind('ComposeYamlError') {}
/** The file is empty or its top level is not a mapping. */
export class ComposeEmptyFileError extends kind('ComposeEmptyFileError') {}
/** A `${...}` template is malformed. */
export class ComposeInterpolationError extends kind('ComposeInterpolationError') {}
/** `${VAR:?message}` / `${VAR?message}` with VAR missing. */
export class ComposeMissingVariableError extends kind('ComposeMissingVariableError') {}
/** A dotenv (`.env`, `--env-file`, `env_file`) line that does not parse. */
export class ComposeEnvFileError extends kind('ComposeEnvFileError') {}
/** The file does not follow the compose-spec JSON schema. */
export class ComposeSchemaError extends kind('ComposeSchemaError') {}
/** A reference to a service, network, volume, secret or config that is not defined. */
export class ComposeUndefinedReferenceError extends kind('ComposeUndefinedReferenceError') {}
/** `depends_on` (or `extends`, `include`) forms a cycle, or a service depends on itself. */
export class ComposeCycleError extends kind('ComposeCycleError') {}
/** `extends` that cannot be resolved. */
export class ComposeExtendsError extends kind('ComposeExtendsError') {}
/** `include` that cannot be resolved. */
export class ComposeIncludeError extends kind('ComposeIncludeError') {}
/** A value with the right type but a wrong content: port range, duration, byte size... */
export class ComposeValueError extends kind('ComposeValueError') {}
/** A project name that cannot be normalized into a valid one. */
export class ComposeProjectNameError extends kind('ComposeProjectNameError') {}

/** What the loader throws: every error found, in file order. */
export class ComposeLoadError extends Error {
  override readonly name = 'ComposeLoadError';
  readonly errors: ComposeError[];

  constructor(errors: ComposeError[]) {
    super(
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} errors:\n${errors.map((e) => `  ${e.message}`).join('\n')}`,
    );
    this.errors = errors;
  }
}

/** Names of every loader error class: what a caller may see thrown. */
export const COMPOSE_ERROR_NAMES: readonly string[] = [
  'ComposeLoadError',
  'ComposeFileNotFoundError',
  'ComposeYamlError',
  'ComposeEmptyFileError',
  'ComposeInterpolationError',
  'ComposeMissingVariableError',
  'ComposeEnvFileError',
  'ComposeSchemaError',
  'ComposeUndefinedReferenceError',
  'ComposeCycleError',
  'ComposeExtendsError',
  'ComposeIncludeError',
  'ComposeValueError',
  'ComposeProjectNameError',
];
