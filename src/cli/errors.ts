/**
 * An error the user caused (a bad file, a bad flag): printed as its message alone, exit code 2.
 * Messages follow the compiler convention `file:line:col: error: …` where a location exists.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
