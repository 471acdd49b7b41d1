/** A command is well-formed but the rules forbid it now (422). */
export class RuleViolation extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RuleViolation';
  }
}

/** The thing a command or query addresses does not exist (404). */
export class NotFound extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NotFound';
  }
}
