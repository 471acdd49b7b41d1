import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsBusinessDate, IsKnowledgeTime, knowledgeTime } from '../../infrastructure/http/validators.js';
import { ViewQuery } from '../../infrastructure/http/view-query.js';

export { ViewQuery };

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

  @ApiPropertyOptional({
    type: String,
    example: '2024-05-03',
    description:
      'As known at: only what was recorded by then. A timestamp with its zone, or a date (by the end of that day, Vietnam time). Absent: as known now. Independent of asOf.',
  })
  @IsOptional()
  @IsKnowledgeTime()
  knownAt?: string;
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

export { businessToday } from '../../shared/values.js';

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

/** The instant a query's `knownAt` names (validated already), or null: as known now. */
export const knownAtOf = (query: { knownAt?: string }): Date | null => (query.knownAt === undefined ? null : knowledgeTime(query.knownAt));

export function toPosition(value: string | undefined): bigint | null {
  return value === undefined ? null : BigInt(value);
}
