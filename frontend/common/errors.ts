/**
 * The one error model: an error meant for the person who wrote the spec or runs the build
 * (a bad spec, option or context, an unsupported request) is a UserError, optionally about a
 * spec path; it is reported with the spec lines and no stack. Anything else is a bug.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** The spec path it is about (`layers[2]`, `base_image`), when it is about one. */
    readonly at?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
