/**
 * Why a template could not be rendered. `unsupported` means the template is fine for Mako but
 * uses something outside the subset we reproduce; `failed` means Mako itself would fail too
 * (a syntax error, an undefined name written out, a missing configuration value). Either way
 * the caller produces no file, because a file that differs from Alembic's is worse than none.
 */
export type TemplateErrorKind = 'unsupported' | 'failed';

export class TemplateError extends Error {
  constructor(
    readonly kind: TemplateErrorKind,
    message: string,
    /** 1-based line in the template, when known. */
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** The error for a construct outside the subset, worded the same way everywhere. */
export function unsupported(construct: string, line?: number): TemplateError {
  return new TemplateError('unsupported', `this template uses ${construct}, which Alembic Pilot cannot render`, line);
}

export function failed(message: string, line?: number): TemplateError {
  return new TemplateError('failed', message, line);
}
