import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsBusinessDate } from '../../infrastructure/http/validators.js';

/**
 * Every query: `minPosition` waits for the views to reach a position returned by a command.
 * The query classes document their parameters: a handler taking one (`@Query() q: AsOfQuery`)
 * has them in the OpenAPI document.
 */
export class ViewQuery {
  @ApiPropertyOptional({
    type: String,
    pattern: '^\\d{1,19}$',
    example: '4096',
    description: 'A position returned by a command: the answer waits (at most 5 s) until the views have reached it, else 503 with Retry-After',
  })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a position returned by a command (digits)' })
  minPosition?: string;
}

export class AsOfQuery extends ViewQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'date',
    example: '2024-03-31',
    description: 'The business date the answer is as of (YYYY-MM-DD); today in Asia/Ho_Chi_Minh when absent',
  })
  @IsOptional()
  @IsBusinessDate()
  asOf?: string;
}

export class PagedAsOfQuery extends AsOfQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Page size' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    pattern: '^[A-Za-z0-9_-]{1,400}$',
    description: 'The opaque nextCursor of the previous page; absent for the first page',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;
}

/** Today in the unions' own time zone: the default `asOf`. */
export function businessToday(timeZone = 'Asia/Ho_Chi_Minh'): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, size: number): string[] | null {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const clean = (v: unknown): boolean => typeof v === 'string' && v.length <= 300 && !v.includes('\u0000');
    if (Array.isArray(values) && values.length === size && values.every(clean)) return values as string[];
  } catch {
    // a malformed cursor is reported by the caller
  }
  return null;
}

export function toPosition(value: string | undefined): bigint | null {
  return value === undefined ? null : BigInt(value);
}
