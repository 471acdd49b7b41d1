import { MAX_PLEDGE_ITEMS, PLEDGE_OUTCOMES } from '../../../events/campaign/pledge-events.js';
import { CodeField, DateField, IdField, TextField, TextListField } from '../../../infrastructure/http/fields.js';

const items = () => TextListField(1000, { min: 1, max: MAX_PLEDGE_ITEMS }, { description: 'The concrete things she pledges to do' });

export class SubmitPledgeRequest {
  @IdField({ optional: true, description: 'The id of the new pledge, to make creation retry-safe; generated when absent' }) pledgeId?: string;
  @IdField() memberId!: string;
  @items() items!: string[];
  @DateField() submittedOn!: string;
  @TextField(300, { description: 'To whom it is addressed (the party cell, the head of the unit)', example: 'Chi bộ Trường THCS A' }) submittedTo!: string;
}

export class RevisePledgeRequest {
  @items() items!: string[];
  @DateField() revisedOn!: string;
  @TextField(2000) reason!: string;
}

export class ReviewPledgeRequest {
  @CodeField(PLEDGE_OUTCOMES) outcome!: string;
  @DateField() reviewedOn!: string;
  @TextField(2000, { optional: true }) note?: string;
}

export class WithdrawPledgeRequest {
  @TextField(2000) reason!: string;
  @DateField({ optional: true, description: 'The day it is withdrawn; today when absent' }) withdrawnOn?: string;
}
