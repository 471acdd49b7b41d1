import { type PipeTransform, Injectable } from '@nestjs/common';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { RequestValidationError } from './validation.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real calendar date written `YYYY-MM-DD`. */
export function isBusinessDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function simple(name: string, test: (v: unknown) => boolean, message: string) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target: object, propertyName: string | symbol): void => {
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: String(propertyName),
        options: { message: `$property ${message}`, ...options },
        validator: { validate: test },
      });
    };
}

export const IsBusinessDate = simple('isBusinessDate', isBusinessDate, 'must be a date written YYYY-MM-DD');
/** Text with something in it besides white space. */
export const IsNotBlank = simple('isNotBlank', (v) => typeof v === 'string' && v.trim().length > 0, 'must not be blank');
export const IsId = simple('isId', isUuid, 'must be a UUID');

/** Validates a UUID path parameter, naming it when malformed. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly name = 'id') {}

  transform(value: string): string {
    if (!isUuid(value)) throw new RequestValidationError([{ field: this.name, message: `${this.name} must be a UUID` }]);
    return value.toLowerCase();
  }
}
