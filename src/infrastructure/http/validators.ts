import { type PipeTransform, Injectable, Param } from '@nestjs/common';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isBusinessDate, isUuid, normaliseId } from '../../shared/values.js';
import { RequestValidationError } from './validation.js';

export { isBusinessDate, isUuid };

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

export const IsBusinessDate = simple('isBusinessDate', isBusinessDate, 'must be a calendar date written YYYY-MM-DD (year 0001 or later)');
/** Text with something in it besides white space. */
export const IsNotBlank = simple('isNotBlank', (v) => typeof v === 'string' && v.trim().length > 0, 'must not be blank');
export const IsId = simple('isId', isUuid, 'must be a UUID');

/** Validates a UUID path parameter, naming it when malformed. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly name = 'id') {}

  transform(value: string): string {
    if (!isUuid(value)) throw new RequestValidationError([{ field: this.name, message: `${this.name} must be a UUID` }]);
    return normaliseId(value);
  }
}

/** A UUID path parameter (`:id` by default), validated and lower-cased. */
export const IdParam = (name = 'id'): ParameterDecorator => Param(name, new UuidParam(name));
