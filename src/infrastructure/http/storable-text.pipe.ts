import { Injectable, type PipeTransform } from '@nestjs/common';
import { type FieldError, RequestValidationError } from './validation.js';

/** NUL, and UTF-16 surrogates that are not in a pair: text PostgreSQL cannot store. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_DEPTH = 32;

/**
 * Refuses input that no field validator would catch but the database cannot store or the
 * service should not walk: NUL characters, broken UTF-16, and structures nested deeper than
 * any request of this API needs. Runs before validation, on body, query and path alike.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const errors: FieldError[] = [];
    inspect(value, '', 0, errors);
    if (errors.length > 0) throw new RequestValidationError(errors);
    return value;
  }
}

function inspect(value: unknown, path: string, depth: number, errors: FieldError[]): void {
  if (errors.length >= 20) return;
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) errors.push({ field: path || 'body', message: `${path || 'body'} contains a NUL character or broken UTF-16 text` });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_DEPTH) {
    errors.push({ field: path || 'body', message: `${path || 'body'} is nested more than ${MAX_DEPTH} levels deep` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => inspect(item, `${path}[${i}]`, depth + 1, errors));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) errors.push({ field: path || 'body', message: 'a field name contains a NUL character or broken UTF-16 text' });
    inspect(item, path ? `${path}.${key}` : key, depth + 1, errors);
  }
}
