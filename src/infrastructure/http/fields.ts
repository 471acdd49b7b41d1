import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { normaliseId, normaliseText } from '../../shared/values.js';
import { IsBusinessDate, IsId, IsNotBlank } from './validators.js';

/**
 * Request fields: validation, normalisation and OpenAPI description in one decorator each,
 * so that an id is lower-cased and a text trimmed exactly where it is validated, and every
 * field a DTO declares is documented.
 */
interface FieldOptions {
  /** The field may be left out; `null` is refused like any other wrong value unless `nullable`. */
  readonly optional?: boolean;
  /** An optional field whose `null` means something (a part of the requirements to remove). */
  readonly nullable?: boolean;
  readonly description?: string;
  readonly example?: unknown;
}

const optional = (options: FieldOptions): PropertyDecorator[] =>
  !options.optional ? [] : options.nullable ? [IsOptional()] : [ValidateIf((_object, value) => value !== undefined)];
const doc = (options: FieldOptions, schema: ApiPropertyOptions): PropertyDecorator =>
  (options.optional ? ApiPropertyOptional : ApiProperty)({
    description: options.description,
    example: options.example,
    ...(options.nullable ? { nullable: true } : {}),
    ...schema,
  } as ApiPropertyOptions);

/** A UUID, stored lower-case. */
export const IdField = (options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    Transform(({ value }) => (typeof value === 'string' ? normaliseId(value) : value)),
    IsId(),
    doc(options, { type: String, format: 'uuid' }),
  );

/** Text of at most `max` characters, stored without surrounding white space, never blank. */
export const TextField = (max: number, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    Transform(({ value }) => (typeof value === 'string' ? normaliseText(value) : value)),
    IsString(),
    IsNotBlank(),
    MaxLength(max),
    doc(options, { type: String, minLength: 1, maxLength: max }),
  );

/** A business date, `YYYY-MM-DD`. */
export const DateField = (options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(...optional(options), IsBusinessDate(), doc({ example: '2024-03-31', ...options }, { type: String, format: 'date' }));

/** One of a fixed list of codes. */
export const CodeField = (values: readonly string[], options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    IsIn(values as string[], { message: `$property must be one of: ${values.join(', ')}` }),
    doc(options, { type: String, enum: values as string[] }),
  );

/** A list of nested request objects, each validated. */
export const ListField = (item: () => new () => object, limits: { min: number; max: number }, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    IsArray(),
    ArrayMinSize(limits.min),
    ArrayMaxSize(limits.max),
    ValidateNested({ each: true }),
    Type(item),
    doc(options, { type: item, isArray: true, minItems: limits.min, maxItems: limits.max }),
  );

/** An integer within `[min, max]`. */
export const IntField = (min: number, max: number, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(...optional(options), IsInt(), Min(min), Max(max), doc(options, { type: 'integer', minimum: min, maximum: max }));

/** A share, from 0 to 1. */
export const RatioField = (options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(0),
    Max(1),
    doc(options, { type: 'number', minimum: 0, maximum: 1 }),
  );

export const BooleanField = (options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(...optional(options), IsBoolean(), doc(options, { type: Boolean }));

/** One nested request object, validated. */
export const NestedField = (item: () => new () => object, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(...(options.optional ? optional(options) : [IsDefined()]), IsObject(), ValidateNested(), Type(item), doc(options, { type: item }));

/** A list of texts, each trimmed, not blank and at most `max` characters. */
export const TextListField = (max: number, limits: { min: number; max: number }, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? normaliseText(v) : v)) : value)),
    IsArray(),
    ArrayMinSize(limits.min),
    ArrayMaxSize(limits.max),
    IsString({ each: true }),
    IsNotBlank({ each: true }),
    MaxLength(max, { each: true }),
    doc(options, { type: String, isArray: true, minItems: limits.min, maxItems: limits.max }),
  );

/** A list of distinct UUIDs, stored lower-case. */
export const IdListField = (limits: { min: number; max: number }, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? normaliseId(v) : v)) : value)),
    IsArray(),
    ArrayMinSize(limits.min),
    ArrayMaxSize(limits.max),
    IsId({ each: true }),
    ArrayUnique(undefined, { message: '$property must not name an id twice' }),
    doc(options, { type: String, format: 'uuid', isArray: true, minItems: limits.min, maxItems: limits.max }),
  );

/** A list of distinct codes from a fixed list. */
export const CodeListField = (values: readonly string[], limits: { min: number; max: number }, options: FieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ...optional(options),
    IsArray(),
    ArrayMinSize(limits.min),
    ArrayMaxSize(limits.max),
    IsIn(values as string[], { each: true, message: `each of $property must be one of: ${values.join(', ')}` }),
    ArrayUnique(undefined, { message: '$property must not repeat a value' }),
    doc(options, { type: String, enum: values as string[], isArray: true, minItems: limits.min, maxItems: limits.max }),
  );
