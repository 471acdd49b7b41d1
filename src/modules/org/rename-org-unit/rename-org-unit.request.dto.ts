import { IsString, Length } from 'class-validator';
import { IsBusinessDate, IsNotBlank } from '../../../infrastructure/http/validators.js';

export class RenameOrgUnitRequest {
  @IsString()
  @IsNotBlank()
  @Length(1, 300)
  name!: string;

  @IsBusinessDate()
  effectiveOn!: string;
}
