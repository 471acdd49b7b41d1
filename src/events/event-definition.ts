import { z } from 'zod';
import { isBusinessDate } from '../shared/values.js';

/** Lifts a payload stored at one schema version to the next. */
export type Upcaster = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/**
 * One upcaster per older version, in order: `[v1 → v2, v2 → v3, …]`. A definition whose list
 * does not match its schema version does not compile.
 */
export type Upcasters<V extends number> = V extends 1
  ? readonly []
  : V extends 2
    ? readonly [Upcaster]
    : V extends 3
      ? readonly [Upcaster, Upcaster]
      : V extends 4
        ? readonly [Upcaster, Upcaster, Upcaster]
        : V extends 5
          ? readonly [Upcaster, Upcaster, Upcaster, Upcaster]
          : never;

/**
 * Everything the service knows of one stored event type: its type string (written
 * explicitly, never a class name), its current schema version, the schema of its payload
 * (checked on every append), its business date, and how older payloads are read.
 */
export interface EventDefinition<T extends string, S extends z.ZodType<object>, V extends number> {
  readonly type: T;
  readonly schemaVersion: V;
  readonly schema: S;
  /** The day the fact happened (`YYYY-MM-DD`), or null for a fact without one. */
  occurredOn(data: z.output<S>): string | null;
  readonly upcasters: Upcasters<V>;
}

/** A definition seen without its type parameters, for code that handles every type alike. */
export interface AnyEventDefinition {
  readonly type: string;
  readonly schemaVersion: number;
  readonly schema: z.ZodType<object>;
  occurredOn(data: object): string | null;
  readonly upcasters: readonly Upcaster[];
}

export function defineEvent<const T extends string, S extends z.ZodType<object>, const V extends number>(
  definition: EventDefinition<T, S, V>,
): EventDefinition<T, S, V> {
  return definition;
}

/** The event (type and payload) a definition describes. */
export type EventOf<D> = D extends EventDefinition<infer T, infer S, number> ? { readonly type: T; readonly data: Readonly<z.output<S>> } : never;

// Payload fields. Ids and text are stored only in their one normal spelling: a writer that
// forgot to normalise is refused on append instead of creating a second stream for one id.
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const id = () => z.string().regex(ID, 'must be a lower-case UUID');
export const businessDate = () => z.string().refine(isBusinessDate, 'must be a date written YYYY-MM-DD');
export const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => s.trim() === s && s.length > 0, 'must be trimmed and not blank');
