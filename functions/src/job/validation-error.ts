/** Bad input from a caller: `field` names what is wrong (`type`, `input.worktime`, ...). */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}
