/** Errors the user can fix print one message and exit 2; anything else is internal (exit 3). */
export class UserError extends Error {
  readonly exitCode: number = 2;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** Bad command-line usage (unknown flag combination, missing required option). */
export class UsageError extends UserError {}
/** Invalid YAML or config values; `problems` lists every one with its path and line. */
export class ConfigError extends UserError {
  constructor(
    message: string,
    readonly problems: string[] = [],
    hint?: string,
  ) {
    super(problems.length ? `${message}\n  ${problems.join('\n  ')}` : message, hint);
  }
}
/** Malformed or unusable input data (CSV). */
export class DataError extends UserError {}
/** A damaged or incompatible run directory. */
export class ArtifactError extends UserError {}
/** A backend that cannot be loaded. */
export class BackendError extends UserError {}
/** A gate the user asked for failed (exit 1). */
export class GateError extends Error {
  readonly exitCode = 1;
}
/** Some series of a panel could not be forecast; the others' results were written (exit 4). */
export class PartialError extends Error {
  readonly exitCode = 4;
}
/** The user interrupted (Ctrl-C). */
export class InterruptError extends Error {
  readonly exitCode = 130;
  constructor() {
    super('interrupted');
  }
}
