import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Input failed validation; every offending field is named (400). */
export class RequestValidationError extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super(`invalid input: ${[...new Set(errors.map((e) => e.field))].join(', ')}`);
    this.name = 'RequestValidationError';
  }
}

export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? (/^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push({ field, message });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/**
 * Names no request field may have: those of every object's prototype (`__proto__`,
 * `constructor`, `toString`, `hasOwnProperty` …) and `prototype`. The object mapping would drop
 * them silently; like any other unknown field they are refused.
 */
const isPrototypeName = (key: string): boolean => key === 'prototype' || key in Object.prototype;

/** Every own key of the parsed input, at any depth, named like a prototype member. */
export function prototypeKeys(value: unknown, prefix = '', depth = 0): FieldError[] {
  if (value === null || typeof value !== 'object' || depth > 64) return [];
  const found: FieldError[] = [];
  for (const key of Object.keys(value)) {
    const field = Array.isArray(value) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
    if (!Array.isArray(value) && isPrototypeName(key)) found.push({ field, message: `property ${key} should not exist` });
    else found.push(...prototypeKeys((value as Record<string, unknown>)[key], field, depth + 1));
  }
  return found;
}

/** The validation pipe, refusing fields named like prototype members before the object mapping drops them. */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const refused = prototypeKeys(value);
      if (refused.length > 0) throw new RequestValidationError(refused);
    }
    return super.transform(value, metadata);
  }
}

/** Whitelisted DTOs: unknown fields are refused, values are transformed to their types. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
