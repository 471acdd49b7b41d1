import { MAX_ATTENDEES, SESSION_FORMATS } from '../../../events/campaign/study-session-events.js';
import { CodeField, DateField, IdField, IdListField, ListField, TextField } from '../../../infrastructure/http/fields.js';
import { MaterialRequest } from '../campaign/campaign.requests.js';

export class HoldStudySessionRequest {
  @IdField({ optional: true, description: 'The id of the new session, to make creation retry-safe; generated when absent' }) sessionId?: string;
  @IdField({ description: 'The unit that held it' }) unitId!: string;
  @DateField() heldOn!: string;
  @CodeField(SESSION_FORMATS) format!: string;
  @TextField(500) title!: string;
  @TextField(300, { optional: true }) presenter?: string;
  @ListField(() => MaterialRequest, { min: 0, max: 100 }, { optional: true }) materials?: MaterialRequest[];
  @IdListField({ min: 0, max: MAX_ATTENDEES }, { description: "Members who attended: members of the unit on heldOn" }) attendeeMemberIds!: string[];
}

export class CorrectAttendanceRequest {
  @IdListField({ min: 0, max: MAX_ATTENDEES }, { description: 'Members who attended but were not recorded' }) add!: string[];
  @IdListField({ min: 0, max: MAX_ATTENDEES }, { description: 'Members recorded who did not attend' }) remove!: string[];
  @TextField(2000) reason!: string;
}

export class VoidStudySessionRequest {
  @TextField(2000) reason!: string;
}
