import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

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
