/** A user-facing CLI failure: printed without a stack trace, exit code 2 for usage errors. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}
