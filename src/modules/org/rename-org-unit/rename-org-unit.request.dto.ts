import { IsString, Length } from 'class-validator';
import { IsBusinessDate } from '../../../infrastructure/http/validators.js';

export class RenameOrgUnitRequest {
  @IsString()
  @Length(1, 300)
  name!: string;

  @IsBusinessDate()
  effectiveOn!: string;
}
